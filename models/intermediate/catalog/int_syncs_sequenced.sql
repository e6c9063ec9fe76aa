-- One row per valid sync with the previous sync of the same tenant and
-- platform: the sync interval (previous start -> this start) that
-- catalog_daily averages. Every valid sync counts, running and failed
-- ones included (kpis.md); the first sync of a pair has no interval.
with

syncs as (
    select * from {{ ref('stg_events__syncs') }}
),

sequenced as (
    select
        sync_id,
        tenant_id,
        platform,
        status,
        started_at,
        finished_at,
        items_synced,
        error_code,
        -- sync_id breaks ties between syncs started at the same instant.
        lag(sync_id) over (
            partition by tenant_id, platform
            order by started_at, sync_id
        ) as previous_sync_id,
        lag(started_at) over (
            partition by tenant_id, platform
            order by started_at, sync_id
        ) as previous_started_at
    from syncs
),

final as (
    select
        sync_id,
        tenant_id,
        platform,
        status,
        started_at,
        finished_at,
        items_synced,
        error_code,
        previous_sync_id,
        previous_started_at,
        {{ seconds_between('previous_started_at', 'started_at') }} / 3600.0
            as sync_interval_hours
    from sequenced
)

select * from final
