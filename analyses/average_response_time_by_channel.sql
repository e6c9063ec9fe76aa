-- Average first-reply time per channel (of the inbound message), with
-- the on-time reply rate, recomputed from inbox_daily's additive parts.
with

inbox_days as (
    select * from {{ ref('inbox_daily') }}
),

final as (
    select
        channel,
        sum(first_replies) as first_replies,
        {{ safe_divide('sum(response_seconds_sum)', 'sum(first_replies)') }}
            as avg_response_seconds,
        {{ safe_divide('sum(replies_within_sla)', 'sum(first_replies)') }}
            as on_time_reply_rate
    from inbox_days
    group by channel
)

select * from final
order by avg_response_seconds asc, channel asc
