-- Every valid row of every event log except cdn_log (daily totals, no
-- event), in one envelope: int_events_unioned (the one union of the logs
-- of the event_sources() macro) with the tenant-local date.
-- Incremental on loaded_at (macros/incremental/): each run rewrites the
-- events that are new, redelivered or valid again, or in the lookback
-- window, and its pre_hook drops the events no longer valid.
{# On Spark (insert_overwrite) it rewrites whole UTC dates, partitioned by
   activity_date_utc: an event's partition is a function of its own row,
   whatever the tenant's timezone (macros/incremental/spark_partitions.sql).
-#}
{{ config(
    materialized='incremental',
    incremental_strategy=incremental_strategy(),
    unique_key='event_id',
    partition_by=incremental_partition_by('activity_date_utc'),
    file_format=incremental_file_format(),
    on_schema_change='append_new_columns',
    pre_hook=[
        "{{ begin_incremental_run() }}",
        "{{ delete_vanished_events() }}",
    ],
    post_hook="{{ record_events_run() }}",
) }}
with

events as (
    select * from {{ ref('int_events_unioned') }}
),

tenants as (
    select
        tenant_id,
        timezone
    from {{ ref('dim_tenants') }}
),

final as (
    select
        events.event_id,
        events.tenant_id,
        events.brand_id,
        events.user_id,
        events.source_table,
        events.module,
        events.event_type,
        events.occurred_at,
        -- tenant-local date; brand-side rows (no tenant) use the UTC date
        {{ to_local_date('events.occurred_at', 'tenants.timezone') }}
            as activity_date,
        events.details,
        cast(events.occurred_at as date) as activity_date_utc,
        events.loaded_at
    from events
    left join tenants
        on events.tenant_id = tenants.tenant_id
    {%- if is_incremental() %}
    where {{ changed_events_filter('events.event_id', 'events.occurred_at') }}
    {%- endif %}
)

select * from final
