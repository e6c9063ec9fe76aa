{#- raw_contract "Bad rows": for every source table,
    raw rows = valid rows + duplicates removed + quarantined rows, exactly.
    Each term is computed independently: raw rows and duplicates (rows with
    a full key minus distinct full keys) from the source itself, valid rows
    from the staging model, quarantined rows from stg_quarantined_rows.
    Applied to a source table; argument table_name, the source table
    (its key and staging model come from staging_tables()). Fails with one
    row showing the four counts when they do not add up. -#}
{% test row_conservation(model, table_name) %}

{%- set table = staging_tables()[table_name] -%}
{%- set key_columns = table['key'] -%}

with

raw_rows as (

    select count(*) as n_rows from {{ model }}

),

keyed_rows as (

    select count(*) as n_rows
    from {{ model }}
    where not {{ key_is_missing(key_columns) }}

),

distinct_keys as (

    select count(*) as n_keys
    from (
        select distinct {{ key_columns | join(', ') }}
        from {{ model }}
        where not {{ key_is_missing(key_columns) }}
    ) as keys_found

),

valid_rows as (

    select count(*) as n_rows
    from {{ ref('stg_' ~ table['source'] ~ '__' ~ table['model']) }}

),

quarantined_rows as (

    select count(*) as n_rows
    from {{ ref('stg_quarantined_rows') }}
    where source_table = '{{ table_name }}'

),

counts as (

    select
        raw_rows.n_rows as raw_rows,
        valid_rows.n_rows as valid_rows,
        keyed_rows.n_rows - distinct_keys.n_keys as duplicates_removed,
        quarantined_rows.n_rows as quarantined_rows
    from raw_rows
    cross join keyed_rows
    cross join distinct_keys
    cross join valid_rows
    cross join quarantined_rows

)

select * from counts
where raw_rows <> valid_rows + duplicates_removed + quarantined_rows

{% endtest %}
