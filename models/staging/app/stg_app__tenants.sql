with

validated as (

    select * from {{ ref('val_app__tenants') }}

),

final as (

    select
        tenant_id,
        name,
        timezone,
        country,
        plan,
        created_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
