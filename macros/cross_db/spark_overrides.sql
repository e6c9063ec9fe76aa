{#- Overrides of dbt's own macros on Spark (a project's macro wins over
    the adapter's in dbt's dispatch). -#}

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

{#- dbt.dateadd on Spark: dbt-spark's version goes through whole unix
    seconds and drops the microseconds (a window bound of loaded_at + 1
    day came out up to a second early); timestampadd keeps them. Same
    arguments as dbt.dateadd: datepart (day, hour ...), interval (an
    integer expression), from_date_or_timestamp. -#}
{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
    timestampadd({{ datepart }}, {{ interval }}, {{ from_date_or_timestamp }})
{%- endmacro %}
