{%- set table_name = 'brands' -%}

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
            when deduped.copy_reason is not null
                then deduped.copy_reason
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
