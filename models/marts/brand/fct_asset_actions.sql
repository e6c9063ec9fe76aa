-- One row per valid asset_log row: a brand publishing an asset, or a
-- retailer's user viewing, downloading or sharing it.
with

asset_events as (
    select
        event_id,
        brand_id,
        asset_id,
        asset_type,
        tenant_id,
        user_id,
        action,
        bytes,
        occurred_at
    from {{ ref('stg_events__asset_events') }}
),

final as (
    select
        event_id,
        brand_id,
        asset_id,
        asset_type,
        tenant_id,
        user_id,
        action,
        bytes,
        occurred_at,
        cast(occurred_at as date) as activity_date_utc,
        -- brand-side publish rows have no retailer
        (tenant_id is not null) as is_retailer_action
    from asset_events
)

select * from final
