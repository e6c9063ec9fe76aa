{#- Incremental models on Spark (docs/decisions.md "Incremental loads").

    DuckDB, PostgreSQL and Redshift delete the touched (tenant, day)
    partitions or event_ids in a pre_hook and insert them again
    (delete+insert). Spark's parquet tables have no delete: there the
    incremental models are partitioned by a date column and written with
    insert_overwrite in dynamic partition mode, which replaces exactly the
    dates the run emits. Hence on Spark:
      - the model emits WHOLE dates: every row (every tenant) of each date
        that a change touched (changed_partitions / changed_event_ids
        reduced to dates);
      - a touched date that ends up with no row is not emitted, so
        insert_overwrite would keep its old rows: the pre_hook drops the
        partitions that may end up empty before the model runs (daily
        marts: every touched date; fct_events: the dates that held an
        event that vanished or moved to another date).
    Every macro here is a dispatch target or used by one; the default__
    versions keep the delete+insert SQL unchanged. -#}

{#- partition_by of an incremental model: the date column on Spark,
    none elsewhere (dbt-duckdb would warn about a partition_by). -#}
{% macro incremental_partition_by(date_column) -%}
    {{ return(adapter.dispatch('incremental_partition_by', 'retail_saas')(
        date_column)) }}
{%- endmacro %}

{% macro default__incremental_partition_by(date_column) -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__incremental_partition_by(date_column) -%}
    {{ return(date_column) }}
{%- endmacro %}

{#- file_format of an incremental model: parquet on Spark (what the other
    Spark tables use), none elsewhere. -#}
{% macro incremental_file_format() -%}
    {{ return(adapter.dispatch('incremental_file_format', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__incremental_file_format() -%}
    {{ return(none) }}
{%- endmacro %}

{% macro spark__incremental_file_format() -%}
    {{ return('parquet') }}
{%- endmacro %}

{#- The is_incremental() filter of a daily mart's inputs: its rows in the
    partitions changed_partitions(sources) returns. Default: the (tenant,
    day) partition keys; Spark: whole dates. -#}
{% macro changed_partitions_filter(
    sources, tenant_column='tenant_id', date_column='activity_date'
) -%}
    {{ return(adapter.dispatch('changed_partitions_filter', 'retail_saas')(
        sources, tenant_column, date_column)) }}
{%- endmacro %}

{% macro default__changed_partitions_filter(
    sources, tenant_column, date_column
) -%}
    {{ partition_key(tenant_column, date_column) }} in (
        {{ changed_partitions(sources) }}
    )
{%- endmacro %}

{% macro spark__changed_partitions_filter(
    sources, tenant_column, date_column
) -%}
    {{ date_column }} in (
        {{ changed_dates(sources) }}
    )
{%- endmacro %}

{#- The dates of the partitions changed_partitions(sources) returns
    (the part after the last '|' of each key; Spark SQL). -#}
{% macro changed_dates(sources) -%}
    select distinct
        cast(substring_index(touched.partition_key, '|', -1) as date)
            as partition_date
    from (
        {{ changed_partitions(sources) }}
    ) as touched
    where touched.partition_key is not null
{%- endmacro %}

{#- The is_incremental() filter of fct_events. Default: the event_ids of
    changed_event_ids(); Spark: every event of the UTC dates
    (activity_date_utc) of those events. -#}
{% macro changed_events_filter(
    event_id_column='events.event_id', occurred_at_column='events.occurred_at'
) -%}
    {{ return(adapter.dispatch('changed_events_filter', 'retail_saas')(
        event_id_column, occurred_at_column)) }}
{%- endmacro %}

{% macro default__changed_events_filter(event_id_column, occurred_at_column) -%}
    {{ event_id_column }} in (
        {{ changed_event_ids() }}
    )
{%- endmacro %}

{% macro spark__changed_events_filter(event_id_column, occurred_at_column) -%}
    cast({{ occurred_at_column }} as date) in (
        {{ changed_event_dates() }}
    )
{%- endmacro %}

{#- The UTC dates of the events changed_event_ids() returns. -#}
{% macro changed_event_dates() -%}
    select distinct
        cast(current_events.occurred_at as date) as activity_date_utc
    from ({{ union_event_keys() }}) as current_events
    where current_events.event_id in (
        {{ changed_event_ids() }}
    )
{%- endmacro %}

{#- pre_hook of a daily mart on Spark (delete_changed_partitions): drop
    every touched date, so that a date whose rows all went away does not
    keep them; the model writes the others again. -#}
{% macro spark__delete_changed_partitions(sources, date_column) -%}
    {%- if execute and is_incremental() -%}
    {{ return(spark_drop_partitions(changed_dates(sources), date_column)) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- pre_hook of fct_events on Spark (delete_vanished_events): drop the
    dates that held a stored event whose valid copy is gone or lies on
    another UTC date now; the model then sees their other events as
    absent and writes those dates again (whole), and a date left with no
    event stays dropped. -#}
{% macro spark__delete_vanished_events() -%}
    {%- if execute and is_incremental() -%}
    {%- set dates_sql -%}
    select distinct stored.activity_date_utc as partition_date
    from {{ this }} as stored
    left join ({{ union_event_keys() }}) as current_events
        on stored.event_id = current_events.event_id
    where
        current_events.event_id is null
        or cast(current_events.occurred_at as date)
        <> stored.activity_date_utc
    {%- endset -%}
    {{ return(spark_drop_partitions(dates_sql, 'activity_date_utc')) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{#- One `alter table ... drop if exists partition` statement for the
    dates `dates_sql` returns (column partition_date), '' when none. Runs
    the query now (hooks are rendered when they run). -#}
{% macro spark_drop_partitions(dates_sql, date_column) -%}
    {%- set result = run_query(
        'select cast(partition_date as string) as partition_date from ('
        ~ dates_sql ~ ') as dates where partition_date is not null'
        ~ ' order by 1') -%}
    {%- set dates = result.columns[0].values() | list -%}
    {%- do log(this ~ ': dropping ' ~ dates | length ~ ' partitions '
        ~ dates | join(', '), info=false) -%}
    {%- if dates | length == 0 -%}
        {{ return('') }}
    {%- endif -%}
    {%- set specs = [] -%}
    {%- for day in dates -%}
        {%- do specs.append('partition (' ~ date_column ~ " = '" ~ day
            ~ "')") -%}
    {%- endfor -%}
    {{ return('alter table ' ~ this ~ ' drop if exists '
        ~ specs | join(', ')) }}
{%- endmacro %}
