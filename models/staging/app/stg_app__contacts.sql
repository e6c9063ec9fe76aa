with

validated as (

    select * from {{ ref('val_app__contacts') }}

),

final as (

    select
        contact_id,
        tenant_id,
        email_hash,
        phone_hash,
        grade,
        source,
        created_at,
        updated_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
