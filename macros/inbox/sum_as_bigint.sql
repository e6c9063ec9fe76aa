{#- An additive count for a contracted mart: sum of an integer expression,
    0 instead of null, cast to bigint because some warehouses widen
    sum(bigint) (DuckDB to hugeint, PostgreSQL to numeric) and the
    contracts declare bigint. Argument: expr, an integer SQL expression. -#}
{% macro sum_as_bigint(expr) -%}
    cast(coalesce(sum({{ expr }}), 0) as {{ dbt.type_bigint() }})
{%- endmacro %}
