with

validated as (

    select * from {{ ref('val_app__brand_retailers') }}

),

final as (

    select
        brand_id,
        tenant_id,
        authorized_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
