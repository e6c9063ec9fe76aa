with

validated as (

    select * from {{ ref('val_app__brands') }}

),

final as (

    select
        brand_id,
        name,
        created_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
