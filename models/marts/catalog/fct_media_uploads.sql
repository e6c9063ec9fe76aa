-- One row per valid image upload (media_log).
with

media_events as (
    select * from {{ ref('stg_events__media_uploads') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        media_events.event_id,
        media_events.tenant_id,
        media_events.image_id,
        media_events.content_type,
        media_events.bytes,
        media_events.occurred_at,
        {{ to_local_date('media_events.occurred_at', 'tenants.timezone') }}
            as activity_date
    from media_events
    left join tenants
        on media_events.tenant_id = tenants.tenant_id
)

select * from final
