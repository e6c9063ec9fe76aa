with

validated as (

    select * from {{ ref('val_events__asset_events') }}

),

final as (

    select
        event_id,
        brand_id,
        asset_id,
        asset_type,
        tenant_id,
        user_id,
        action,
        bytes,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
