with

validated as (

    select * from {{ ref('val_app__sla_policies') }}

),

final as (

    select
        tenant_id,
        channel,
        first_reply_target_minutes,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
