-- Notification delivery per tenant-local day, source and channel.
with

notifications as (
    select * from {{ ref('fct_notifications') }}
),

aggregated as (
    select
        activity_date,
        tenant_id,
        source,
        channel,
        count(*) as sent,
        {{ count_rows_where('is_delivered') }} as delivered,
        {{ count_rows_where('is_delivered_realtime') }} as delivered_realtime,
        {{ count_rows_where('is_opened') }} as opened,
        {{ count_rows_where('is_failed') }} as failed
    from notifications
    group by activity_date, tenant_id, source, channel
),

final as (
    select
        activity_date,
        tenant_id,
        source,
        channel,
        sent,
        delivered,
        delivered_realtime,
        opened,
        failed,
        {{ safe_divide('delivered', 'sent') }} as delivery_rate,
        {{ safe_divide('delivered_realtime', 'sent') }}
            as realtime_delivery_rate,
        {{ safe_divide('opened', 'delivered') }} as open_rate
    from aggregated
)

select * from final
