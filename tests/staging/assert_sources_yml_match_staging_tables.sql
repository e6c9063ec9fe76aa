{#- The sources' yml and staging_tables() (the list the missing-column
    check, the row conservation test and the quarantine read) describe the
    same tables and columns: one failing row per difference. -#}
{%- set problems = [] -%}
{%- if execute -%}
    {%- for table_name, table in staging_tables().items() -%}
        {%- set node = graph.sources.get(
            'source.' ~ project_name ~ '.' ~ table['source']
            ~ '.' ~ table_name) -%}
        {%- if node is none -%}
            {%- do problems.append((table_name, '', 'table not in yml')) -%}
        {%- else -%}
            {%- set described = node.columns.keys() | list -%}
            {%- for column in table['columns'] -%}
                {%- if column not in described -%}
                    {%- do problems.append(
                        (table_name, column, 'column not in yml')) -%}
                {%- endif -%}
            {%- endfor -%}
            {%- for column in described -%}
                {%- if column not in table['columns'] -%}
                    {%- do problems.append(
                        (table_name, column, 'column not in staging_tables')
                    ) -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}

{% for problem in problems %}
    select
        '{{ problem[0] }}' as table_name,
        '{{ problem[1] }}' as column_name,
        '{{ problem[2] }}' as problem
    union all
{% endfor %}
select
    cast(null as varchar) as table_name,
    cast(null as varchar) as column_name,
    cast(null as varchar) as problem
where 1 = 0
