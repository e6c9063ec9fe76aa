{#- on-run-start hook (dbt_project.yml) of a publish build into shadow
    schemas (env RETAIL_SAAS_SCHEMA_SUFFIX, set by `retail-saas build` on
    PostgreSQL; src/retail_saas/publish/): copy into the shadow the
    published tables the build needs, since the published marts are the
    incremental state. Copied: the table of every selected incremental
    model (not with --full-refresh, unless the model ignores it: the run
    manifest int_incremental_manifest), and of every model or seed that the
    selection leaves out (a publish replaces whole schemas), unless the
    shadow has it already (a failed build's quarantine built after it).
    The copies go into dbt's relation cache, so is_incremental() sees them. Without the
    suffix (DuckDB copies its whole file; a plain dbt build) nothing. -#}
{% macro copy_published_state() -%}
    {%- set suffix = env_var('RETAIL_SAAS_SCHEMA_SUFFIX', '') | trim -%}
    {%- if not execute or suffix == ''
            or flags.WHICH not in ['build', 'run'] -%}
        {{ return('') }}
    {%- endif -%}
    {%- set copied = [] -%}
    {%- for node in graph.nodes.values()
            if node.resource_type in ['model', 'seed']
            and node.schema.endswith(suffix) -%}
        {%- set selected = node.unique_id in selected_resources -%}
        {%- set incremental = node.config.materialized == 'incremental' -%}
        {#- full_refresh=false (the run manifest) ignores --full-refresh -#}
        {%- set keeps_state = incremental and (not flags.FULL_REFRESH
            or node.config.get('full_refresh') == false) -%}
        {%- if (selected and keeps_state) or not selected -%}
            {%- set published = adapter.get_relation(
                database=node.database,
                schema=node.schema[:-(suffix | length)],
                identifier=node.alias) -%}
            {%- set shadow = api.Relation.create(
                database=node.database, schema=node.schema,
                identifier=node.alias, type='table') -%}
            {%- set existing = adapter.get_relation(database=node.database,
                schema=node.schema, identifier=node.alias) -%}
            {%- if published is not none and published.is_table
                    and existing is none -%}
                {%- do adapter.create_schema(shadow) -%}
                {%- do run_query(copy_table_sql(published, shadow)) -%}
                {%- do adapter.cache_added(shadow) -%}
                {%- do copied.append(node.schema ~ '.' ~ node.alias) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- do log('publish: copied the published ' ~ (copied | join(', ')
        or 'nothing') ~ ' into the shadow', info=true) -%}
    {{ return('') }}
{%- endmacro %}


{#- A table copied whole (rows and columns) to a new relation. -#}
{% macro copy_table_sql(source, dest) -%}
    {{ return(adapter.dispatch('copy_table_sql', 'retail_saas')(source, dest)) }}
{%- endmacro %}


{% macro default__copy_table_sql(source, dest) -%}
    create table {{ dest }} as select * from {{ source }}
{%- endmacro %}


{#- PostgreSQL: with its indexes, defaults and comments. -#}
{% macro postgres__copy_table_sql(source, dest) -%}
    create table {{ dest }} (like {{ source }} including all);
    insert into {{ dest }} select * from {{ source }}
{%- endmacro %}
