{#- dbt's type_float() is `float` on DuckDB, a 4-byte REAL there: rates
    from safe_divide came out as 0.6666666865 and failed the `float8`
    contracts (docs/architecture.md "Contract data types"). A root-project
    implementation wins dbt's dispatch, so every cast through
    dbt.type_float() on DuckDB becomes an 8-byte double, as on PostgreSQL
    (float8) and Redshift. -#}
{% macro duckdb__type_float() -%}
    double
{%- endmacro %}
