{#- The median (continuous: the mean of the two middle values on an even
    count) of a numeric expression, as an aggregate. Nulls are ignored.
    Used by activation_funnel.median_hours_from_signup.
    Argument: expr, the SQL expression. -#}
{% macro median(expr) -%}
    {{ return(adapter.dispatch('median', 'retail_saas')(expr)) }}
{%- endmacro %}

{#- DuckDB, PostgreSQL, Redshift, Snowflake: ordered-set aggregate. -#}
{% macro default__median(expr) -%}
    percentile_cont(0.5) within group (order by {{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
    percentile({{ expr }}, 0.5)
{%- endmacro %}

{% macro bigquery__median(expr) -%}
    approx_quantiles({{ expr }}, 2)[offset(1)]
{%- endmacro %}
