{#- Fails the build, at execution time, when a source table lacks a column
    that the raw contract promises (staging_tables). Extra columns are
    ignored: base models select the contract's columns only. The error
    names the table and every missing column.
    Arguments: source_name, table_name (as in the sources' yml).
    The var check_source_columns (default true) turns the probe off for an
    offline `dbt compile` (no warehouse to ask, e.g. Redshift in CI). -#}
{% macro assert_source_columns(source_name, table_name) %}
    {%- if execute and var('check_source_columns', true) -%}
        {%- set expected = staging_tables()[table_name]['columns'] -%}
        {%- set probe = run_query(
            'select * from ' ~ source(source_name, table_name)
            ~ ' where 1 = 0') -%}
        {%- set found = probe.column_names | map('lower') | list -%}
        {%- set missing = [] -%}
        {%- for column in expected if column not in found -%}
            {%- do missing.append(column) -%}
        {%- endfor -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                'Source ' ~ source_name ~ '.' ~ table_name
                ~ ' is missing contract column(s): '
                ~ missing | join(', ')
                ~ ' (raw_contract.md; columns found: '
                ~ found | join(', ') ~ ')') }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
