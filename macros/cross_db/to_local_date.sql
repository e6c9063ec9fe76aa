{#- The calendar date of a UTC timestamp in an IANA timezone (DST and
    half-hour offsets included). A null timezone falls back to UTC, as
    kpis.md asks for rows with no tenant.
    Arguments: timestamp_expr, a naive UTC timestamp; timezone_expr, an
    IANA name such as 'Asia/Kolkata'. -#}
{% macro to_local_date(timestamp_expr, timezone_expr) -%}
    {{ return(adapter.dispatch('to_local_date', 'retail_saas')(
        timestamp_expr, timezone_expr)) }}
{%- endmacro %}

{% macro default__to_local_date(timestamp_expr, timezone_expr) -%}
    cast((({{ timestamp_expr }}) at time zone 'UTC')
        at time zone coalesce({{ timezone_expr }}, 'UTC') as date)
{%- endmacro %}

{% macro duckdb__to_local_date(timestamp_expr, timezone_expr) -%}
    cast(timezone(coalesce({{ timezone_expr }}, 'UTC'),
        cast({{ timestamp_expr }} as timestamptz)) as date)
{%- endmacro %}

{% macro redshift__to_local_date(timestamp_expr, timezone_expr) -%}
    cast(convert_timezone('UTC', coalesce({{ timezone_expr }}, 'UTC'),
        {{ timestamp_expr }}) as date)
{%- endmacro %}

{% macro spark__to_local_date(timestamp_expr, timezone_expr) -%}
    to_date(from_utc_timestamp({{ timestamp_expr }},
        coalesce({{ timezone_expr }}, 'UTC')))
{%- endmacro %}
