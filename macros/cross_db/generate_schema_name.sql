{#- Use the custom schema name as is (staging, intermediate, marts, seeds)
    so that grants and row-level security name stable schemas on every
    target; models without one land in the target's schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
