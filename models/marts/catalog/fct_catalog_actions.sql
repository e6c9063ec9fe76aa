-- One row per valid product_log row (add, update, delete, sync).
with

product_events as (
    select * from {{ ref('stg_events__product_events') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        product_events.event_id,
        product_events.tenant_id,
        product_events.product_id,
        product_events.action,
        product_events.source_platform,
        product_events.occurred_at,
        {{ to_local_date('product_events.occurred_at', 'tenants.timezone') }}
            as activity_date
    from product_events
    left join tenants
        on product_events.tenant_id = tenants.tenant_id
)

select * from final
