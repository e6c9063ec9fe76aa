{#- Contracts on Spark: the marts' ymls declare the warehouse-neutral
    types varchar, float8, bigint, date, timestamp, boolean. dbt checks a
    contract by casting null to each declared type on the warehouse;
    Spark has no varchar without a length and no float8, so the declared
    types are read as Spark's names (string, double) first. Spark
    contracts only compare column names and types (no DDL, no NOT NULL on
    parquet tables). Argument: columns, the model's yml columns. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set spark_names = {'varchar': 'string', 'text': 'string',
        'float8': 'double', 'double precision': 'double'} -%}
    {%- set translated = {} -%}
    {%- for name, column in columns.items() -%}
        {%- set column = column.copy() -%}
        {%- if column.get('data_type') -%}
            {%- set declared = column['data_type'] | trim | lower -%}
            {%- do column.update(
                {'data_type': spark_names.get(declared, declared)}) -%}
        {%- endif -%}
        {%- do translated.update({name: column}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}
