{#- One-way SHA-256 (hex) of a trimmed, lower-cased PII value, so that no
    raw email or phone passes the staging layer while equal values still
    join. Null stays null. Argument: expr, the column or expression. -#}
{% macro hash_pii(expr) -%}
    {{ return(adapter.dispatch('hash_pii', 'retail_saas')(expr)) }}
{%- endmacro %}

{% macro default__hash_pii(expr) -%}
    encode(sha256(convert_to(lower(trim({{ expr }})), 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__hash_pii(expr) -%}
    sha256(lower(trim({{ expr }})))
{%- endmacro %}

{% macro redshift__hash_pii(expr) -%}
    sha2(lower(trim({{ expr }})), 256)
{%- endmacro %}

{% macro spark__hash_pii(expr) -%}
    sha2(lower(trim({{ expr }})), 256)
{%- endmacro %}
