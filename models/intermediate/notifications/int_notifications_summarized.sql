-- One row per notification, built from its earliest valid `sent` row: the
-- status flags that fct_notifications and notification_daily (and any
-- brand mart) need, computed once.
with

notification_events as (
    select * from {{ ref('stg_events__notification_events') }}
),

sent_events as (
    select
        event_id,
        notification_id,
        tenant_id,
        user_id,
        brand_id,
        source,
        channel,
        occurred_at
    from notification_events
    where status = 'sent'
),

sent_events_ranked as (
    -- Upstream may log `sent` more than once; kpis.md says the earliest
    -- one counts (event_id breaks ties so reruns agree).
    {{ first_row_per('sent_events', 'notification_id') }}
),

first_sent as (
    select * from sent_events_ranked
    where row_order = 1
),

status_times as (
    -- `opened` implies delivery even when no `delivered` row was logged.
    select
        notification_id,
        min(
            case
                when status in ('delivered', 'opened') then occurred_at
            end
        ) as delivered_at,
        min(case when status = 'opened' then occurred_at end) as opened_at,
        min(case when status = 'failed' then occurred_at end) as failed_at
    from notification_events
    group by notification_id
),

joined as (
    -- Inner join on first_sent: a notification with no valid `sent` row
    -- is left out (kpis.md).
    select
        first_sent.notification_id,
        first_sent.event_id as sent_event_id,
        first_sent.tenant_id,
        first_sent.user_id,
        first_sent.brand_id,
        first_sent.source,
        first_sent.channel,
        first_sent.occurred_at as sent_at,
        status_times.delivered_at,
        status_times.opened_at,
        status_times.failed_at,
        {{ seconds_between('first_sent.occurred_at',
            'status_times.delivered_at') }} as seconds_to_delivery
    from first_sent
    left join status_times
        on first_sent.notification_id = status_times.notification_id
),

final as (
    select
        notification_id,
        sent_event_id,
        tenant_id,
        user_id,
        brand_id,
        source,
        channel,
        sent_at,
        delivered_at,
        opened_at,
        failed_at,
        seconds_to_delivery,
        (delivered_at is not null) as is_delivered,
        -- Exactly 60 s still counts as realtime (kpis.md: "<= 60 s").
        coalesce(seconds_to_delivery <= 60, false) as is_delivered_realtime,
        (opened_at is not null) as is_opened,
        (failed_at is not null) as is_failed
    from joined
)

select * from final
