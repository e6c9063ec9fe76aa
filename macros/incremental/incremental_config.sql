{#- Incremental loads (docs/decisions.md "Incremental loads").

    vars (dbt_project.yml):
      incremental_lookback_days  a safety margin: rows loaded within this
                                 many days BEFORE a model's last high-water
                                 mark (int_incremental_manifest) are
                                 reprocessed as well (default 0: the
                                 manifest's window is exact under the
                                 contract; 1 for a loader whose files turn
                                 visible after their _loaded_at)
      backfill_start_date / backfill_end_date
                                 optional ISO dates: every row whose
                                 event date falls in [start, end] is
                                 reprocessed as well (restate days). -#}

{#- The strategy of this adapter: delete+insert on DuckDB, PostgreSQL and
    Redshift (merge would do on Redshift too); Spark overwrites
    partitions (not yet tested: the hook is here). -#}
{% macro incremental_strategy() -%}
    {{ return(adapter.dispatch('incremental_strategy', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro redshift__incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__incremental_strategy() -%}
    {{ return('insert_overwrite') }}
{%- endmacro %}

{% macro incremental_lookback_days() -%}
    {{ return(var('incremental_lookback_days', 0) | int) }}
{%- endmacro %}

{#- SQL condition: the rows a run processes: `loaded_at_column` after
    `mark_sql` (a scalar subquery, the model's last high-water mark; null:
    no run recorded, every row) less the lookback margin, or a backfill
    day (as incremental_window). -#}
{% macro loaded_since(loaded_at_column, mark_sql, time_column=none) -%}
    ({{ loaded_at_column }} > {{ dbt.dateadd(
        'day', -1 * incremental_lookback_days(),
        'coalesce(' ~ mark_sql ~ ", cast('1900-01-01' as "
        ~ dbt.type_timestamp() ~ '))') }}
    {{- backfill_days(time_column) }})
{%- endmacro %}

{#- ` or <time_column> on a backfill day` ('' without the vars or a time
    column): a day of slack on each side for tenant-local dates. -#}
{% macro backfill_days(time_column) -%}
    {%- set start = var('backfill_start_date', none) -%}
    {%- set end = var('backfill_end_date', none) -%}
    {%- if time_column is not none and (start or end) %}
        or (
            {{ time_column }} >= {{ dbt.dateadd('day', -1,
                "cast('" ~ (start or '1900-01-01') ~ "' as "
                ~ dbt.type_timestamp() ~ ")") }}
            and {{ time_column }} < {{ dbt.dateadd('day', 2,
                "cast('" ~ (end or '2999-12-31') ~ "' as "
                ~ dbt.type_timestamp() ~ ")") }}
        )
    {%- endif -%}
{%- endmacro %}

{#- SQL condition: `loaded_at_column` within the lookback window below
    `max_loaded_at_sql` (a scalar subquery), or, with the backfill vars,
    `time_column` on a day in [backfill_start_date, backfill_end_date]
    (a day of slack on each side for tenant-local dates). -#}
{% macro incremental_window(
    loaded_at_column, max_loaded_at_sql, time_column=none
) -%}
    ({{ loaded_at_column }} > {{ dbt.dateadd(
        'day', -1 * incremental_lookback_days(),
        '(' ~ max_loaded_at_sql ~ ')') }}
    {{- backfill_days(time_column) }})
{%- endmacro %}
