{%- set table_name = 'brand_retailers' -%}

with

base as (

    select * from {{ ref('base_app__brand_retailers') }}

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
            when {{ is_blank('deduped.tenant_id') }} then 'missing_tenant'
            when {{ is_unknown('tenant') }} then 'unknown_tenant'
            when {{ is_blank('deduped.brand_id') }} then 'missing_brand'
            when {{ is_unknown('brand') }} then 'unknown_brand'
        end as invalid_reason
    from deduped

),

final as (

    select
        brand_id,
        tenant_id,
        authorized_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
