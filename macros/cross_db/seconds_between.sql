{#- Seconds (fractional) from start_expr to end_expr, both timestamps;
    negative when end is before start. Arguments: start_expr, end_expr. -#}
{% macro seconds_between(start_expr, end_expr) -%}
    {{ return(adapter.dispatch('seconds_between', 'retail_saas')(
        start_expr, end_expr)) }}
{%- endmacro %}

{% macro default__seconds_between(start_expr, end_expr) -%}
    cast(extract(epoch from ({{ end_expr }}) - ({{ start_expr }}))
        as {{ type_double() }})
{%- endmacro %}

{#- Whole microseconds first: epoch() is a double and loses the last
    digits of large timestamps (49.10452389717 for 49.104524). -#}
{% macro duckdb__seconds_between(start_expr, end_expr) -%}
    ((epoch_us({{ end_expr }}) - epoch_us({{ start_expr }})) / 1000000.0)
{%- endmacro %}

{% macro redshift__seconds_between(start_expr, end_expr) -%}
    (datediff(microsecond, {{ start_expr }}, {{ end_expr }}) / 1000000.0)
{%- endmacro %}

{#- A double, like DuckDB's (bigint / 1000000.0 is a decimal on Spark). -#}
{% macro spark__seconds_between(start_expr, end_expr) -%}
    (cast(unix_micros({{ end_expr }}) - unix_micros({{ start_expr }})
        as {{ type_double() }}) / 1000000)
{%- endmacro %}
