with

validated as (

    select * from {{ ref('val_events__notification_events') }}

),

final as (

    select
        event_id,
        notification_id,
        tenant_id,
        user_id,
        brand_id,
        source,
        channel,
        status,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
