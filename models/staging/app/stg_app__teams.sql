with

validated as (

    select * from {{ ref('val_app__teams') }}

),

final as (

    select
        team_id,
        tenant_id,
        name,
        created_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
