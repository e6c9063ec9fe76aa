{%- set table_name = 'contacts' -%}

with

base as (

    select * from {{ ref('base_app__contacts') }}

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
            when {{ not_in_contract_list(table_name, 'grade') }}
                then 'value_not_in_list:grade'
        end as invalid_reason
    from deduped

),

final as (

    select
        contact_id,
        tenant_id,
        email_hash,
        phone_hash,
        grade,
        source,
        created_at,
        updated_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
