{#- The 8-byte floating point type, for rates and durations. dbt's own
    type_float() is a 4-byte REAL on DuckDB (2/3 became 0.6666666865), so
    every model casts through this one; the marts' contracts say float8. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    float8
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
