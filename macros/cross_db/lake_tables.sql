{#- on-run-start hook (dbt_project.yml): make the lake's folders readable
    as the sources' tables where the adapter cannot read files directly.
    DuckDB reads the files through the sources' external_location and
    PostgreSQL/Redshift load schema raw beforehand, so nothing is done
    there. Spark: one external table per source of the project, named as
    in the sources' yml (<schema>.<identifier>, e.g. raw.brands), over
    <lake>/<table> (vars lake_path / lake_format, as the sources' yml).
    Recreated on every run so that a new lake path takes effect; dropping
    an external table never deletes the files. Returns '' (the statements
    run here). -#}
{% macro create_lake_tables() -%}
    {%- if execute -%}
        {{ return(adapter.dispatch('create_lake_tables', 'retail_saas')()) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

{% macro default__create_lake_tables() -%}
    {{ return('') }}
{%- endmacro %}

{% macro spark__create_lake_tables() -%}
    {%- set lake = var('lake_path', env_var('RETAIL_SAAS_LAKE', 'data/lake'))
        | string | trim | replace("'", '') -%}
    {%- set fmt = var('lake_format',
        env_var('RETAIL_SAAS_LAKE_FORMAT', 'parquet')) | trim -%}
    {#- csv: header row, every column a string (as the DuckDB csv read);
        parquet: union of the files' columns (union_by_name) -#}
    {%- set options = "header 'true'" if fmt == 'csv'
        else "mergeSchema 'true'" -%}
    {%- set schemas = [] -%}
    {%- for node in graph.sources.values()
            if node.package_name == project_name -%}
        {%- if node.schema not in schemas -%}
            {%- do run_query('create schema if not exists ' ~ node.schema) -%}
            {%- do schemas.append(node.schema) -%}
        {%- endif -%}
        {%- set relation = node.schema ~ '.' ~ node.identifier -%}
        {%- do run_query('drop table if exists ' ~ relation) -%}
        {%- do run_query('create table ' ~ relation ~ ' using ' ~ fmt
            ~ ' options (' ~ options ~ ") location '" ~ lake ~ '/'
            ~ node.name ~ "'") -%}
    {%- endfor -%}
    {%- do log('lake: ' ~ graph.sources | length ~ ' external tables over '
        ~ lake, info=true) -%}
    {{ return('') }}
{%- endmacro %}
