-- Inbound messages per channel and month (email first), from inbox_daily.
with

inbox_days as (
    select * from {{ ref('inbox_daily') }}
),

final as (
    select
        channel,
        {{ dbt.date_trunc('month', 'activity_date') }} as activity_month,
        sum(inbound) as inbound
    from inbox_days
    group by channel, {{ dbt.date_trunc('month', 'activity_date') }}
)

select * from final
order by
    case when channel = 'email' then 0 else 1 end asc,
    channel asc,
    activity_month asc
