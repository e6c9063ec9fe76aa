-- The 10 most downloaded assets of each brand (brand_top_assets).
with

top_assets as (
    select * from {{ ref('brand_top_assets') }}
),

final as (
    select
        brand_id,
        asset_id,
        asset_type,
        downloads,
        views,
        download_rank
    from top_assets
    where download_rank <= 10
)

select * from final
order by brand_id asc, download_rank asc, asset_id asc
