-- Every valid row of every event log except cdn_log (daily totals, no
-- event), in one envelope. The list of logs lives in ONE place, the
-- event_sources() macro; int_events_unioned is their one union (without
-- details), which the change detection below reads.
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
-- depends_on: {{ ref('int_events_unioned') }}

{#- Where the incremental filter goes: into each source's arm (default:
    the JSON details are then built for the changed rows only), or after
    the union (Spark: it would inline the CTE into every arm). -#}
{%- set filter_in_arms = is_incremental() and changed_events_in_arms() %}

with

{%- if filter_in_arms %}

changed_events as (
    {{ changed_event_ids() }}
),
{%- endif %}

events as (
    {{ union_event_sources(
        changed_events='changed_events' if filter_in_arms else none) }}
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
    {%- if is_incremental() and not filter_in_arms %}
    where {{ changed_events_filter('events.event_id', 'events.occurred_at') }}
    {%- endif %}
)

select * from final
