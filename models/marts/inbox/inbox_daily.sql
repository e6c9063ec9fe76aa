-- Inbox KPIs per tenant-local day, tenant and channel (kpis.md). Three
-- kinds of points are dated differently: messages by their own date and
-- channel, first replies by the reply's date and the inbound channel, SLA
-- by the inbound message's date and channel. SLA points share the
-- message's own row (same date and channel), so only first replies need
-- a CTE of their own; the two are summed together.
with

messages as (
    select * from {{ ref('fct_messages') }}
),

-- Messages not yet due count 0 for SLA (kpis.md, "SLA compliance").
message_points as (
    select
        activity_date,
        tenant_id,
        channel,
        {{ flag_to_int("direction = 'inbound'") }} as inbound,
        {{ flag_to_int("direction = 'outbound'") }} as outbound,
        0 as first_replies,
        cast(0 as {{ type_double() }}) as response_seconds,
        0 as replies_within_sla,
        0 as cross_channel_replies,
        {{ flag_to_int('is_sla_due') }} as sla_due,
        {{ flag_to_int('is_sla_due and is_sla_met') }} as sla_met
    from messages
),

first_reply_points as (
    select
        first_reply_date as activity_date,
        tenant_id,
        channel,
        0 as inbound,
        0 as outbound,
        1 as first_replies,
        response_seconds,
        {{ flag_to_int('is_within_sla') }} as replies_within_sla,
        {{ flag_to_int('is_cross_channel_reply') }} as cross_channel_replies,
        0 as sla_due,
        0 as sla_met
    from messages
    where has_first_reply
),

points as (
    select * from message_points
    union all
    select * from first_reply_points
),

aggregated as (
    select
        activity_date,
        tenant_id,
        channel,
        {{ sum_as_bigint('inbound') }} as inbound,
        {{ sum_as_bigint('outbound') }} as outbound,
        {{ sum_as_bigint('first_replies') }} as first_replies,
        {{ sum_seconds_exactly('response_seconds') }}
            as response_seconds_sum,
        {{ sum_as_bigint('replies_within_sla') }} as replies_within_sla,
        {{ sum_as_bigint('cross_channel_replies') }} as cross_channel_replies,
        {{ sum_as_bigint('sla_due') }} as sla_due,
        {{ sum_as_bigint('sla_met') }} as sla_met
    from points
    group by activity_date, tenant_id, channel
),

final as (
    select
        activity_date,
        tenant_id,
        channel,
        inbound,
        outbound,
        first_replies,
        response_seconds_sum,
        {{ safe_divide('response_seconds_sum', 'first_replies') }}
            as avg_response_seconds,
        replies_within_sla,
        {{ safe_divide('replies_within_sla', 'first_replies') }}
            as on_time_reply_rate,
        cross_channel_replies,
        sla_due,
        sla_met,
        {{ safe_divide('sla_met', 'sla_due') }} as sla_compliance_rate
    from aggregated
)

select * from final
