{%- set table_name = 'brands' -%}
{%- set key_columns = ['brand_id'] -%}

with

base as (

    select * from {{ ref('base_app__brands') }}

),

deduped as (

    select * from base
    where redelivery_rank = 1

),

validated as (

    select
        deduped.*,
        deduped.copies_received - 1 as duplicates_removed,
        case
            when {{ key_is_missing(key_columns, 'deduped') }} then 'missing_key'
        end as invalid_reason
    from deduped

),

final as (

    select
        brand_id,
        name,
        created_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
