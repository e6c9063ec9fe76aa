-- One row per valid campaign_log row: a brand publishing a campaign, or a
-- retailer's user viewing, using, copying or sending it.
with

campaign_events as (
    select
        event_id,
        brand_id,
        campaign_id,
        tenant_id,
        user_id,
        action,
        recipients_count,
        occurred_at
    from {{ ref('stg_events__campaign_events') }}
),

final as (
    select
        event_id,
        brand_id,
        campaign_id,
        tenant_id,
        user_id,
        action,
        recipients_count,
        occurred_at,
        cast(occurred_at as date) as activity_date_utc,
        -- brand-side publish rows have no retailer
        (tenant_id is not null) as is_retailer_action
    from campaign_events
)

select * from final
