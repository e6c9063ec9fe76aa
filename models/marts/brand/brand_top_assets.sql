-- kpis.md brand_top_assets: every valid asset of the brand (zero
-- downloads included) with all-time views and downloads, dense-ranked by
-- downloads within the brand (1 = most; ties share a rank).
with

asset_actions as (
    select
        event_id,
        brand_id,
        asset_id,
        asset_type,
        action,
        occurred_at
    from {{ ref('fct_asset_actions') }}
),

asset_rows_ranked as (
    -- asset_type comes from the asset's latest row
    select
        brand_id,
        asset_id,
        asset_type,
        row_number() over (
            partition by brand_id, asset_id
            order by occurred_at desc, event_id desc
        ) as recency_rank
    from asset_actions
),

latest_types as (
    select
        brand_id,
        asset_id,
        asset_type
    from asset_rows_ranked
    where recency_rank = 1
),

asset_totals as (
    select
        brand_id,
        asset_id,
        sum(case when action = 'view' then 1 else 0 end) as views, -- noqa: RF04
        sum(case when action = 'download' then 1 else 0 end) as downloads
    from asset_actions
    group by
        brand_id,
        asset_id
),

final as (
    select
        asset_totals.brand_id,
        asset_totals.asset_id,
        latest_types.asset_type,
        -- noqa: disable=RF04
        cast(asset_totals.views as {{ dbt.type_bigint() }}) as views,
        -- noqa: enable=RF04
        cast(asset_totals.downloads as {{ dbt.type_bigint() }}) as downloads,
        cast(dense_rank() over (
            partition by asset_totals.brand_id
            order by asset_totals.downloads desc
        ) as {{ dbt.type_bigint() }}) as download_rank
    from asset_totals
    inner join latest_types
        on
            asset_totals.brand_id = latest_types.brand_id
            and asset_totals.asset_id = latest_types.asset_id
)

select * from final
