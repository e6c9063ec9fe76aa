{#- Use the custom schema name as is (staging, intermediate, marts, seeds)
    so that grants and row-level security name stable schemas on every
    target; models without one land in the target's schema. A publish
    build (`retail-saas build` on PostgreSQL) sets RETAIL_SAAS_SCHEMA_SUFFIX
    to build into shadow schemas (marts__shadow, ...) that it swaps in
    only when every test passed (src/retail_saas/publish/). -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}{{ env_var('RETAIL_SAAS_SCHEMA_SUFFIX', '') | trim }}
    {%- endif -%}
{%- endmacro %}
