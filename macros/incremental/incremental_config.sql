{#- Incremental loads (docs/decisions.md "Incremental loads").

    vars (dbt_project.yml):
      incremental_lookback_days  rows whose loaded_at falls within this
                                 many days of the newest loaded_at are
                                 reprocessed on every run (default 3:
                                 the contract's 72 h of lateness)
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
    {{ return(var('incremental_lookback_days', 3) | int) }}
{%- endmacro %}

{#- SQL condition: `loaded_at_column` within the lookback window below
    `max_loaded_at_sql` (a scalar subquery), or, with the backfill vars,
    `time_column` on a day in [backfill_start_date, backfill_end_date]
    (a day of slack on each side for tenant-local dates). -#}
{% macro incremental_window(
    loaded_at_column, max_loaded_at_sql, time_column=none
) -%}
    {%- set start = var('backfill_start_date', none) -%}
    {%- set end = var('backfill_end_date', none) -%}
    ({{ loaded_at_column }} >= {{ dbt.dateadd(
        'day', -1 * incremental_lookback_days(),
        '(' ~ max_loaded_at_sql ~ ')') }}
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
    )
{%- endmacro %}
