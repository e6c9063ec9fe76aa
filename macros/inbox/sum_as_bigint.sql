{#- An additive count for a contracted mart: sum of an integer expression,
    0 instead of null, cast to bigint because some warehouses widen
    sum(bigint) (DuckDB to hugeint, PostgreSQL to numeric) and the
    contracts declare bigint. Argument: expr, an integer SQL expression. -#}
{% macro sum_as_bigint(expr) -%}
    cast(coalesce(sum({{ expr }}), 0) as {{ dbt.type_bigint() }})
{%- endmacro %}

{#- The sum of durations in seconds (microsecond precision, as
    seconds_between gives them), 0 instead of null, as a double. Summed as
    an exact decimal: a sum of doubles depends on the order the threads
    add them, so two builds of the same lake differed in the last digit.
    Argument: expr, a seconds SQL expression. -#}
{% macro sum_seconds_exactly(expr) -%}
    cast(coalesce(sum(cast({{ expr }} as {{ dbt.type_numeric() }})), 0)
        as {{ type_double() }})
{%- endmacro %}
