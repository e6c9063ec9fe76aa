-- One row per valid brand, with how many retailers carry it.
with

brands as (
    select
        brand_id,
        name,
        created_at
    from {{ ref('stg_app__brands') }}
),

brand_retailers as (
    select
        brand_id,
        tenant_id
    from {{ ref('stg_app__brand_retailers') }}
),

retailer_counts as (
    select
        brand_id,
        count(distinct tenant_id) as retailers
    from brand_retailers
    group by brand_id
),

final as (
    select
        brands.brand_id,
        brands.name as brand_name,
        brands.created_at,
        cast(
            coalesce(retailer_counts.retailers, 0)
            as {{ dbt.type_bigint() }}
        ) as retailers
    from brands
    left join retailer_counts
        on brands.brand_id = retailer_counts.brand_id
)

select * from final
