{#- Number of rows of the group where `condition` holds, as a bigint.
    count() of a case (not sum) so the type is bigint on every adapter
    (DuckDB's sum of integers is a hugeint, which breaks contracts).
    Used by the daily marts of notifications, ai, templates, catalog and
    crm. Argument: condition, a boolean SQL expression. -#}
{% macro count_rows_where(condition) -%}
    count(case when {{ condition }} then 1 end)
{%- endmacro %}
