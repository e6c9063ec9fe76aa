{%- set touched_by = touched_by_logs(['contact_log', 'import_log']) -%}
{{ config(
    materialized='incremental',
    incremental_strategy=incremental_strategy(),
    unique_key=['activity_date', 'tenant_id'],
    partition_by=incremental_partition_by('activity_date'),
    file_format=incremental_file_format(),
    on_schema_change='append_new_columns',
    pre_hook=[
        "{{ begin_incremental_run() }}",
        "{{ delete_changed_partitions(" ~ touched_by ~ ") }}",
    ],
    post_hook="{{ record_partitioned_run(" ~ touched_by ~ ") }}",
) }}
{{ incremental_inputs(touched_by) }}
-- CRM activity per tenant-local day: contact actions by event time and
-- contact imports by started_at. A day has a row when either falls on it.
with

contact_actions as (
    select * from {{ ref('fct_contact_actions') }}
    {%- if is_incremental() %}
    where {{ changed_partitions_filter(touched_by) }}
    {%- endif %}
),

imports as (
    select * from {{ ref('fct_imports') }}
    {%- if is_incremental() %}
    where {{ changed_partitions_filter(touched_by) }}
    {%- endif %}
),

contacts_daily as (
    select
        activity_date,
        tenant_id,
        {{ count_rows_where("action = 'add'") }} as contacts_added,
        {{ count_rows_where("action = 'update'") }} as contacts_updated,
        {{ count_rows_where("action = 'delete'") }} as contacts_deleted,
        {{ count_rows_where("action = 'segment_add'") }} as segment_adds,
        {{ count_rows_where('is_grade_upgrade') }} as grade_upgrades,
        {{ count_rows_where('is_grade_downgrade') }} as grade_downgrades,
        {{ count_rows_where("action = 'segment_remove'") }}
            as segment_removes,
        {{ count_rows_where("action = 'grade_change'") }} as grade_changes
    from contact_actions
    group by activity_date, tenant_id
),

imports_daily as (
    select
        activity_date,
        tenant_id,
        cast(coalesce(sum(rows_received), 0) as bigint)
            as import_rows_received,
        cast(coalesce(sum(rows_imported), 0) as bigint)
            as import_rows_imported,
        cast(coalesce(sum(rows_rejected), 0) as bigint)
            as import_rows_rejected,
        count(*) as imports_started
    from imports
    group by activity_date, tenant_id
),

tenant_days as (
    select
        activity_date,
        tenant_id
    from contacts_daily
    union
    select
        activity_date,
        tenant_id
    from imports_daily
),

final as (
    select
        tenant_days.activity_date,
        tenant_days.tenant_id,
        coalesce(contacts_daily.contacts_added, 0) as contacts_added,
        coalesce(contacts_daily.contacts_updated, 0) as contacts_updated,
        coalesce(contacts_daily.contacts_deleted, 0) as contacts_deleted,
        coalesce(contacts_daily.segment_adds, 0) as segment_adds,
        coalesce(contacts_daily.grade_upgrades, 0) as grade_upgrades,
        coalesce(contacts_daily.grade_downgrades, 0) as grade_downgrades,
        coalesce(imports_daily.import_rows_received, 0)
            as import_rows_received,
        coalesce(imports_daily.import_rows_imported, 0)
            as import_rows_imported,
        coalesce(imports_daily.import_rows_rejected, 0)
            as import_rows_rejected,
        coalesce(contacts_daily.segment_removes, 0) as segment_removes,
        coalesce(contacts_daily.grade_changes, 0) as grade_changes,
        coalesce(imports_daily.imports_started, 0) as imports_started
    from tenant_days
    left join contacts_daily
        on
            tenant_days.activity_date = contacts_daily.activity_date
            and tenant_days.tenant_id = contacts_daily.tenant_id
    left join imports_daily
        on
            tenant_days.activity_date = imports_daily.activity_date
            and tenant_days.tenant_id = imports_daily.tenant_id
)

select * from final
