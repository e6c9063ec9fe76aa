{#- The run manifest, int_incremental_manifest (docs/decisions.md
    "Incremental loads"): each incremental model appends one row per run
    in its post_hook, in the transaction of its own writes, so a killed
    run leaves no row and the next run starts again from the previous
    mark (delete+insert makes that idempotent). -#}

{#- dbt's run_started_at (the wall clock at the start of this
    invocation, UTC) as a SQL timestamp: orders the runs. -#}
{% macro run_started_literal() -%}
    {{ timestamp_literal(run_started_at) }}
{%- endmacro %}

{#- A Python datetime as a SQL timestamp literal (microseconds kept). -#}
{% macro timestamp_literal(value) -%}
    cast('{{ value.strftime("%Y-%m-%d %H:%M:%S.%f") }}'
        as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- A scalar subquery: `column` of this model's last recorded run (null
    when it has none). -#}
{% macro last_incremental_run(column) -%}
    (select max(runs.{{ column }})
    from {{ ref('int_incremental_manifest') }} as runs
    where runs.model_name = '{{ this.name }}'
        and runs.run_started_at = (
            select max(latest.run_started_at)
            from {{ ref('int_incremental_manifest') }} as latest
            where latest.model_name = '{{ this.name }}'
        ))
{%- endmacro %}

{#- pre_hook: note when the model starts and whether it is incremental
    (at the post_hook the table exists whatever it was). Kept in the
    node's context dict, which dbt renders both hooks with. -#}
{% macro begin_incremental_run() -%}
    {%- if execute -%}
        {%- do model.update({
            'retail_saas_started_at': modules.datetime.datetime.utcnow(),
            'retail_saas_incremental': is_incremental()}) -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- post_hook: append this run's row. mark_sql, rows_sql and
    partitions_sql are scalar queries: the high-water mark processed, the
    rows written and the partitions rewritten. -#}
{% macro record_incremental_run(mark_sql, rows_sql, partitions_sql) -%}
    {%- set finished = modules.datetime.datetime.utcnow() -%}
    {%- set started = model.get('retail_saas_started_at') -%}
    {%- set incremental = model.get('retail_saas_incremental',
        not flags.FULL_REFRESH) -%}
    insert into {{ ref('int_incremental_manifest') }}
    select
        '{{ this.name }}',
        '{{ invocation_id }}',
        {{ run_started_literal() }},
        ({{ mark_sql }}),
        ({{ rows_sql }}),
        ({{ partitions_sql }}),
        {%- if started %}
        {{ timestamp_literal(started) }},
        {%- else %}
        cast(null as {{ dbt.type_timestamp() }}),
        {%- endif %}
        {{ timestamp_literal(finished) }},
        {%- if started %}
        {{ (finished - started).total_seconds() }},
        {%- else %}
        cast(null as {{ type_double() }}),
        {%- endif %}
        {{ 'false' if incremental else 'true' }}
{%- endmacro %}

{#- post_hook of fct_events: its row of the run manifest. High-water
    mark: the newest loaded_at it holds; rows in: its events whose copy
    landed after the previous mark (all on a full build), partitions
    touched: their UTC dates. Events rewritten for another reason (valid
    again, another local day) are not counted. -#}
{% macro record_events_run() -%}
    {%- set incremental = model.get('retail_saas_incremental',
        not flags.FULL_REFRESH) -%}
    {%- set written -%}
        select event_id, activity_date_utc from {{ this }}
        {%- if incremental %}
        where loaded_at > {{ last_incremental_run('high_water_mark') }}
        {%- endif %}
    {%- endset -%}
    {{ return(record_incremental_run(
        'select max(loaded_at) from ' ~ this,
        'select count(*) from (' ~ written ~ ') as written',
        'select count(distinct written.activity_date_utc) from ('
            ~ written ~ ') as written')) }}
{%- endmacro %}
