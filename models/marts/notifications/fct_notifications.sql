-- One row per sent notification, dated by its earliest `sent` row in the
-- tenant's timezone.
with

notifications as (
    select * from {{ ref('int_notifications_summarized') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        notifications.notification_id,
        notifications.tenant_id,
        notifications.user_id,
        notifications.brand_id,
        notifications.source,
        notifications.channel,
        notifications.sent_at,
        {{ to_local_date('notifications.sent_at', 'tenants.timezone') }}
            as activity_date,
        cast(notifications.sent_at as date) as activity_date_utc,
        notifications.delivered_at,
        notifications.opened_at,
        notifications.failed_at,
        notifications.seconds_to_delivery,
        notifications.is_delivered,
        notifications.is_delivered_realtime,
        notifications.is_opened,
        notifications.is_failed,
        notifications.sent_event_id
    from notifications
    -- Left join: a tenant missing from the snapshot falls back to UTC
    -- rather than losing the notification.
    left join tenants
        on notifications.tenant_id = tenants.tenant_id
)

select * from final
