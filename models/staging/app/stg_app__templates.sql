with

validated as (

    select * from {{ ref('val_app__templates') }}

),

final as (

    select
        template_id,
        tenant_id,
        brand_id,
        owner_user_id,
        team_id,
        scope,
        language,
        format,
        created_at,
        deleted_at,
        is_deleted,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
