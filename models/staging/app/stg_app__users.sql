with

validated as (

    select * from {{ ref('val_app__users') }}

),

final as (

    select
        user_id,
        tenant_id,
        team_id,
        role,
        email_hash,
        phone_hash,
        created_at,
        deleted_at,
        is_deleted,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
