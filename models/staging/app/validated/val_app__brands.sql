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
        -- brands have no row rules beyond the copy-level ones (1, 11-13)
        deduped.copy_reason as invalid_reason,
        deduped.copies_received - 1 as duplicates_removed
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
