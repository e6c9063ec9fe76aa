{#- run-operation of a failed publish build (src/retail_saas/publish/
    quarantine.py), in its shadow (env RETAIL_SAAS_SCHEMA_SUFFIX or the
    shadow DuckDB file): the bad rows of every source whose validated
    model the failed build has, copied into table `identifier` beside
    stg_quarantined_rows, the same union as that model. A table, since the
    views read the lake or raw, which move on; and without the sources
    whose staging failed (a missing column), which stg_quarantined_rows
    cannot be built without. built: the validated models the failed build
    (or its fallback run) built; others count as not built even when the
    relation exists (the shadow holds the published incremental ones).
    Logs `failed_build_quarantine: <n> sources; none for: <tables>`. -#}
{% macro failed_build_quarantine(identifier='failed_build_quarantine',
        built=none) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set by_name = {} -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'model'
            and node.package_name == project_name -%}
        {%- do by_name.update({node.name: node}) -%}
    {%- endfor -%}
    {%- set parts = [] -%}
    {%- set unbuilt = [] -%}
    {%- for table_name, table in staging_tables().items() -%}
        {%- set node = by_name['val_' ~ table['source'] ~ '__' ~ table['model']] -%}
        {%- set relation = adapter.get_relation(database=node.database,
            schema=node.schema, identifier=node.alias) -%}
        {%- if relation is none
                or (built is not none and node.name not in built) -%}
            {%- do unbuilt.append(table_name) -%}
        {%- else -%}
            {%- do parts.append(
                "select cast('" ~ table_name ~ "' as " ~ dbt.type_string()
                ~ ") as source_table, "
                ~ quarantine_row_key(table['key']) ~ " as row_key, "
                ~ "invalid_reason, loaded_at from " ~ relation
                ~ " where invalid_reason is not null") -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set home = by_name['stg_quarantined_rows'] -%}
    {%- set dest = api.Relation.create(database=home.database,
        schema=home.schema, identifier=identifier, type='table') -%}
    {%- do adapter.create_schema(dest) -%}
    {%- do run_query('drop table if exists ' ~ dest) -%}
    {%- if parts -%}
        {%- do run_query('create table ' ~ dest ~ ' as '
            ~ parts | join(' union all ')) -%}
        {%- do log('failed_build_quarantine: ' ~ (parts | length)
            ~ ' sources; none for: ' ~ (unbuilt | join(', ') or '-'),
            info=true) -%}
    {%- else -%}
        {%- do log('failed_build_quarantine: 0 sources; none for: '
            ~ (unbuilt | join(', ')), info=true) -%}
    {%- endif -%}
{%- endmacro %}
