with

validated as (

    select * from {{ ref('val_events__automation_events') }}

),

final as (

    select
        event_id,
        tenant_id,
        automation_id,
        trigger_type,
        contact_id,
        channel,
        status,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
