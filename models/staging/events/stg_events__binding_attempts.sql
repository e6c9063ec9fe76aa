with

validated as (

    select * from {{ ref('val_events__binding_attempts') }}

),

final as (

    select
        attempt_id,
        tenant_id,
        user_id,
        binding_type,
        provider,
        status,
        error_code,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
