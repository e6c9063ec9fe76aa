-- Catalog activity per tenant-local day. Each part is dated by its own
-- clock (kpis.md): products, uploads and emails by event time, finished
-- syncs by finished_at, sync intervals by the later sync's start, CDN
-- totals by log_date. A day has a row when any of these falls on it.
with

catalog_actions as (
    select * from {{ ref('fct_catalog_actions') }}
),

syncs as (
    select * from {{ ref('fct_syncs') }}
),

media_uploads as (
    select * from {{ ref('fct_media_uploads') }}
),

cdn_daily_totals as (
    select * from {{ ref('stg_events__cdn_daily_totals') }}
),

messages as (
    select * from {{ ref('stg_events__messages') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

products_daily as (
    select
        activity_date,
        tenant_id,
        {{ count_rows_where("action = 'add'") }} as products_added,
        {{ count_rows_where("action = 'update'") }} as products_updated,
        {{ count_rows_where("action = 'delete'") }} as products_deleted,
        {{ count_rows_where("action = 'sync'") }} as products_synced
    from catalog_actions
    group by activity_date, tenant_id
),

syncs_finished_daily as (
    select
        finished_date as activity_date,
        tenant_id,
        count(*) as syncs_finished,
        {{ count_rows_where('is_success') }} as syncs_succeeded
    from syncs
    where is_finished
    group by finished_date, tenant_id
),

syncs_started_daily as (
    -- Every valid sync, running and failed too, starts an interval
    -- (except a tenant-platform's first sync).
    select
        activity_date,
        tenant_id,
        count(*) as syncs_started,
        sum(sync_interval_hours) as sync_interval_hours_sum,
        count(sync_interval_hours) as sync_intervals
    from syncs
    group by activity_date, tenant_id
),

media_daily as (
    select
        activity_date,
        tenant_id,
        cast(coalesce(sum(bytes), 0) as bigint) as image_bytes,
        count(*) as images_uploaded
    from media_uploads
    group by activity_date, tenant_id
),

cdn_daily as (
    -- log_date is already a day; both distributions count, the catalog
    -- share is kept apart (decisions.md).
    select
        log_date as activity_date,
        tenant_id,
        cast(coalesce(sum(requests), 0) as bigint) as cdn_requests,
        cast(coalesce(sum(bytes_served), 0) as bigint) as cdn_bytes,
        cast(
            coalesce(
                sum(case when distribution = 'catalog' then requests end), 0
            ) as bigint
        ) as cdn_catalog_requests,
        cast(
            coalesce(
                sum(case when distribution = 'catalog' then bytes_served end),
                0
            ) as bigint
        ) as cdn_catalog_bytes
    from cdn_daily_totals
    group by log_date, tenant_id
),

outbound_emails as (
    -- Every outbound email, automated ones included (kpis.md).
    select
        messages.tenant_id,
        messages.catalog_product_count,
        {{ to_local_date('messages.occurred_at', 'tenants.timezone') }}
            as activity_date
    from messages
    left join tenants
        on messages.tenant_id = tenants.tenant_id
    where
        messages.direction = 'outbound'
        and messages.channel = 'email'
),

emails_daily as (
    select
        activity_date,
        tenant_id,
        count(*) as emails_sent,
        {{ count_rows_where('catalog_product_count > 0') }} as catalog_emails
    from outbound_emails
    group by activity_date, tenant_id
),

tenant_days as (
    select
        activity_date,
        tenant_id
    from products_daily
    union
    select
        activity_date,
        tenant_id
    from syncs_finished_daily
    union
    select
        activity_date,
        tenant_id
    from syncs_started_daily
    union
    select
        activity_date,
        tenant_id
    from media_daily
    union
    select
        activity_date,
        tenant_id
    from cdn_daily
    union
    select
        activity_date,
        tenant_id
    from emails_daily
),

joined as (
    select
        tenant_days.activity_date,
        tenant_days.tenant_id,
        coalesce(products_daily.products_added, 0) as products_added,
        coalesce(products_daily.products_updated, 0) as products_updated,
        coalesce(products_daily.products_deleted, 0) as products_deleted,
        coalesce(products_daily.products_synced, 0) as products_synced,
        coalesce(syncs_finished_daily.syncs_finished, 0) as syncs_finished,
        coalesce(syncs_finished_daily.syncs_succeeded, 0)
            as syncs_succeeded,
        coalesce(syncs_started_daily.sync_interval_hours_sum, 0)
            as sync_interval_hours_sum,
        coalesce(syncs_started_daily.sync_intervals, 0) as sync_intervals,
        coalesce(media_daily.images_uploaded, 0) as images_uploaded,
        coalesce(media_daily.image_bytes, 0) as image_bytes,
        coalesce(cdn_daily.cdn_requests, 0) as cdn_requests,
        coalesce(cdn_daily.cdn_bytes, 0) as cdn_bytes,
        coalesce(emails_daily.emails_sent, 0) as emails_sent,
        coalesce(emails_daily.catalog_emails, 0) as catalog_emails,
        coalesce(syncs_started_daily.syncs_started, 0) as syncs_started,
        coalesce(cdn_daily.cdn_catalog_requests, 0) as cdn_catalog_requests,
        coalesce(cdn_daily.cdn_catalog_bytes, 0) as cdn_catalog_bytes
    from tenant_days
    left join products_daily
        on
            tenant_days.activity_date = products_daily.activity_date
            and tenant_days.tenant_id = products_daily.tenant_id
    left join syncs_finished_daily
        on
            tenant_days.activity_date = syncs_finished_daily.activity_date
            and tenant_days.tenant_id = syncs_finished_daily.tenant_id
    left join syncs_started_daily
        on
            tenant_days.activity_date = syncs_started_daily.activity_date
            and tenant_days.tenant_id = syncs_started_daily.tenant_id
    left join media_daily
        on
            tenant_days.activity_date = media_daily.activity_date
            and tenant_days.tenant_id = media_daily.tenant_id
    left join cdn_daily
        on
            tenant_days.activity_date = cdn_daily.activity_date
            and tenant_days.tenant_id = cdn_daily.tenant_id
    left join emails_daily
        on
            tenant_days.activity_date = emails_daily.activity_date
            and tenant_days.tenant_id = emails_daily.tenant_id
),

final as (
    select
        activity_date,
        tenant_id,
        products_added,
        products_updated,
        products_deleted,
        products_synced,
        syncs_finished,
        syncs_succeeded,
        {{ safe_divide('syncs_succeeded', 'syncs_finished') }}
            as sync_success_rate,
        sync_interval_hours_sum,
        sync_intervals,
        {{ safe_divide('sync_interval_hours_sum', 'sync_intervals') }}
            as avg_sync_interval_hours,
        images_uploaded,
        image_bytes,
        cdn_requests,
        cdn_bytes,
        emails_sent,
        catalog_emails,
        {{ safe_divide('catalog_emails', 'emails_sent') }}
            as catalog_usage_rate,
        syncs_started,
        cdn_catalog_requests,
        cdn_catalog_bytes
    from joined
)

select * from final
