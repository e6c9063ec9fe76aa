{#- raw_contract "Bad rows": for every source table,
    raw rows = valid rows + duplicates removed + quarantined rows, exactly.
    Each term is computed apart: raw rows from the source itself,
    duplicates (trusted copies, those no copy-level rule quarantined, minus
    their distinct keys) from the base model, valid rows from the staging
    model, quarantined rows from stg_quarantined_rows.
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

trusted_copies as (

    {#- the copies left to collapse once rules 1, 11, 12 and 13 have
        quarantined theirs (base model: copy_reason) -#}
    select count(*) as n_rows
    from {{ ref('base_' ~ table['source'] ~ '__' ~ table['model']) }}
    where copy_reason is null

),

distinct_keys as (

    select count(*) as n_keys
    from (
        select distinct {{ key_columns | join(', ') }}
        from {{ ref('base_' ~ table['source'] ~ '__' ~ table['model']) }}
        where copy_reason is null
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
        trusted_copies.n_rows - distinct_keys.n_keys as duplicates_removed,
        quarantined_rows.n_rows as quarantined_rows
    from raw_rows
    cross join trusted_copies
    cross join distinct_keys
    cross join valid_rows
    cross join quarantined_rows

)

select * from counts
where raw_rows <> valid_rows + duplicates_removed + quarantined_rows

{% endtest %}
