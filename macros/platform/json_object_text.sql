{#- A JSON object, as text, of the given columns: {"col": value, ...}.
    Portable wrapper (fct_events.details): DuckDB json_object, PostgreSQL
    json_build_object, Snowflake object_construct_keep_null; nulls are
    kept as JSON null so every log's details have a fixed set of keys.
    Argument: columns, a list of column names (used as keys too). -#}
{% macro json_object_text(columns) -%}
    {{ return(adapter.dispatch('json_object_text', 'retail_saas')(columns)) }}
{%- endmacro %}

{% macro default__json_object_text(columns) -%}
    cast(json_build_object(
        {%- for column in columns %}
        '{{ column }}', {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro duckdb__json_object_text(columns) -%}
    cast(json_object(
        {%- for column in columns %}
        '{{ column }}', {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro snowflake__json_object_text(columns) -%}
    to_varchar(object_construct_keep_null(
        {%- for column in columns %}
        '{{ column }}', {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    ))
{%- endmacro %}
