with

validated as (

    select * from {{ ref('val_events__user_events') }}

),

final as (

    select
        event_id,
        tenant_id,
        user_id,
        action,
        module,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
