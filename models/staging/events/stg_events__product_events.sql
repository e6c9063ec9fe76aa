with

validated as (

    select * from {{ ref('val_events__product_events') }}

),

final as (

    select
        event_id,
        tenant_id,
        product_id,
        action,
        source_platform,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
