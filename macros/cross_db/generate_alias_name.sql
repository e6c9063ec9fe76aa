{#- dbt's alias rule, except for versioned models: the latest version is
    published under the model's plain name (marts.inbox_daily), so that
    readers (access policies, row-level security, BI datasets, reports)
    never follow a version bump; an older version kept for its
    deprecation window is <name>_v<version> (docs/governance.md). -#}
{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif node.version and node.version | string != node.latest_version | string -%}
        {{ node.name ~ "_v" ~ (node.version | replace(".", "_")) }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
