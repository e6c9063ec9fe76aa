-- One row per valid sync, with its interval since the previous sync of
-- the tenant-platform and the local dates of its start and finish.
with

syncs as (
    select * from {{ ref('int_syncs_sequenced') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        syncs.sync_id,
        syncs.tenant_id,
        syncs.platform,
        syncs.status,
        syncs.started_at,
        syncs.finished_at,
        {{ to_local_date('syncs.started_at', 'tenants.timezone') }}
            as activity_date,
        {{ to_local_date('syncs.finished_at', 'tenants.timezone') }}
            as finished_date,
        syncs.items_synced,
        syncs.error_code,
        (syncs.finished_at is not null) as is_finished,
        (syncs.status = 'success') as is_success,
        {{ seconds_between('syncs.started_at', 'syncs.finished_at') }}
            as duration_seconds,
        syncs.previous_sync_id,
        syncs.previous_started_at,
        syncs.sync_interval_hours
    from syncs
    left join tenants
        on syncs.tenant_id = tenants.tenant_id
)

select * from final
