-- Retailers ranked by activity days and activity points over the last 28
-- days of data (daily_stats), 1 = most active.
with

user_days as (
    select * from {{ ref('daily_stats') }}
),

last_day as (
    select max(activity_date) as max_date
    from user_days
),

tenant_totals as (
    select
        user_days.tenant_id,
        count(distinct user_days.activity_date) as active_days,
        count(distinct user_days.user_id) as active_users,
        sum(user_days.activity) as activity
    from user_days
    cross join last_day
    where
        user_days.activity > 0
        and user_days.activity_date
        > {{ dbt.dateadd('day', -28, 'last_day.max_date') }}
    group by user_days.tenant_id
),

final as (
    select
        tenant_id,
        active_days,
        active_users,
        activity,
        dense_rank() over (order by activity desc) as activity_rank
    from tenant_totals
)

select * from final
order by activity_rank asc, tenant_id asc
