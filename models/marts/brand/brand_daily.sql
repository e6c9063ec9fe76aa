-- kpis.md brand_daily: per UTC day, brand and retailer (tenant_id not
-- null), the retailer's asset and campaign actions and the brand's
-- notifications to it. A row exists where at least one source row falls.
with

asset_actions as (
    select
        activity_date_utc,
        brand_id,
        tenant_id,
        action
    from {{ ref('fct_asset_actions') }}
    where tenant_id is not null
),

campaign_actions as (
    select
        activity_date_utc,
        brand_id,
        tenant_id,
        action,
        recipients_count
    from {{ ref('fct_campaign_actions') }}
    where tenant_id is not null
),

notifications as (
    -- one row per notification, dated by its earliest sent row
    select
        cast(sent_at as date) as activity_date_utc,
        brand_id,
        tenant_id,
        is_delivered
    from {{ ref('int_notifications_summarized') }}
    where
        brand_id is not null
        and tenant_id is not null
),

asset_daily as (
    select
        activity_date_utc,
        brand_id,
        tenant_id,
        sum(case when action = 'view' then 1 else 0 end) as asset_views,
        sum(case when action = 'download' then 1 else 0 end)
            as asset_downloads,
        sum(case when action = 'share' then 1 else 0 end) as asset_shares
    from asset_actions
    group by
        activity_date_utc,
        brand_id,
        tenant_id
),

campaign_daily as (
    select
        activity_date_utc,
        brand_id,
        tenant_id,
        sum(case when action = 'view' then 1 else 0 end) as campaign_views,
        sum(case when action = 'use' then 1 else 0 end) as campaign_uses,
        sum(case when action = 'copy' then 1 else 0 end) as campaign_copies,
        sum(case when action = 'send' then 1 else 0 end) as campaign_sends,
        sum(
            case when action = 'send' then coalesce(recipients_count, 0) end
        ) as campaign_recipients
    from campaign_actions
    group by
        activity_date_utc,
        brand_id,
        tenant_id
),

notification_daily as (
    select
        activity_date_utc,
        brand_id,
        tenant_id,
        count(*) as notifications_sent,
        sum(case when is_delivered then 1 else 0 end)
            as notifications_delivered
    from notifications
    group by
        activity_date_utc,
        brand_id,
        tenant_id
),

grain as (
    select
        activity_date_utc,
        brand_id,
        tenant_id
    from asset_daily
    union
    select
        activity_date_utc,
        brand_id,
        tenant_id
    from campaign_daily
    union
    select
        activity_date_utc,
        brand_id,
        tenant_id
    from notification_daily
),

final as (
    select
        grain.activity_date_utc,
        grain.brand_id,
        grain.tenant_id,
        cast(
            coalesce(asset_daily.asset_views, 0)
            as {{ dbt.type_bigint() }}
        ) as asset_views,
        cast(
            coalesce(asset_daily.asset_downloads, 0)
            as {{ dbt.type_bigint() }}
        ) as asset_downloads,
        cast(
            coalesce(asset_daily.asset_shares, 0)
            as {{ dbt.type_bigint() }}
        ) as asset_shares,
        cast(
            coalesce(campaign_daily.campaign_views, 0)
            as {{ dbt.type_bigint() }}
        ) as campaign_views,
        cast(
            coalesce(campaign_daily.campaign_uses, 0)
            as {{ dbt.type_bigint() }}
        ) as campaign_uses,
        cast(
            coalesce(campaign_daily.campaign_copies, 0)
            as {{ dbt.type_bigint() }}
        ) as campaign_copies,
        cast(
            coalesce(campaign_daily.campaign_sends, 0)
            as {{ dbt.type_bigint() }}
        ) as campaign_sends,
        cast(
            coalesce(campaign_daily.campaign_recipients, 0)
            as {{ dbt.type_bigint() }}
        ) as campaign_recipients,
        cast(
            coalesce(notification_daily.notifications_sent, 0)
            as {{ dbt.type_bigint() }}
        ) as notifications_sent,
        cast(
            coalesce(notification_daily.notifications_delivered, 0)
            as {{ dbt.type_bigint() }}
        ) as notifications_delivered
    from grain
    left join asset_daily
        on
            grain.activity_date_utc = asset_daily.activity_date_utc
            and grain.brand_id = asset_daily.brand_id
            and grain.tenant_id = asset_daily.tenant_id
    left join campaign_daily
        on
            grain.activity_date_utc = campaign_daily.activity_date_utc
            and grain.brand_id = campaign_daily.brand_id
            and grain.tenant_id = campaign_daily.tenant_id
    left join notification_daily
        on
            grain.activity_date_utc = notification_daily.activity_date_utc
            and grain.brand_id = notification_daily.brand_id
            and grain.tenant_id = notification_daily.tenant_id
)

select * from final
