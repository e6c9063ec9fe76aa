{%- set touched_by = touched_by_logs(['automation_log']) -%}
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
-- Automation outcomes per tenant-local day and trigger type; each status
-- row counts on its own date, so a message triggered late one evening and
-- sent after midnight counts on two days.
with

automations as (
    select * from {{ ref('fct_automations') }}
    {%- if is_incremental() %}
    where {{ changed_partitions_filter(touched_by) }}
    {%- endif %}
),

aggregated as (
    select
        activity_date,
        tenant_id,
        trigger_type,
        {{ count_rows_where("status = 'triggered'") }} as triggered,
        {{ count_rows_where("status = 'sent'") }} as sent,
        {{ count_rows_where("status = 'failed'") }} as failed,
        {{ count_rows_where("status = 'skipped'") }} as skipped
    from automations
    group by activity_date, tenant_id, trigger_type
),

final as (
    select
        activity_date,
        tenant_id,
        trigger_type,
        triggered,
        sent,
        failed,
        skipped,
        -- Skipped rows are left out of the denominator: nothing was tried.
        {{ safe_divide('sent', 'sent + failed') }} as success_rate
    from aggregated
)

select * from final
