-- kpis.md brand_top_retailers: per brand, the retailers with activity
-- (their asset_log and campaign_log rows for the brand), dense-ranked by
-- activity (1 = most; ties share a rank).
with

asset_actions as (
    select
        brand_id,
        tenant_id
    from {{ ref('fct_asset_actions') }}
    where tenant_id is not null
),

campaign_actions as (
    select
        brand_id,
        tenant_id
    from {{ ref('fct_campaign_actions') }}
    where tenant_id is not null
),

retailer_rows as (
    select
        brand_id,
        tenant_id
    from asset_actions
    union all
    select
        brand_id,
        tenant_id
    from campaign_actions
),

retailer_activity as (
    select
        brand_id,
        tenant_id,
        count(*) as activity
    from retailer_rows
    group by
        brand_id,
        tenant_id
),

final as (
    select
        brand_id,
        tenant_id,
        cast(activity as {{ dbt.type_bigint() }}) as activity,
        cast(dense_rank() over (
            partition by brand_id
            order by activity desc
        ) as {{ dbt.type_bigint() }}) as activity_rank
    from retailer_activity
)

select * from final
