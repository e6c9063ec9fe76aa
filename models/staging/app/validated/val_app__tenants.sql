{%- set table_name = 'tenants' -%}

with

base as (

    select * from {{ ref('base_app__tenants') }}

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
            when {{ not_in_contract_list(table_name, 'plan') }}
                then 'value_not_in_list:plan'
        end as invalid_reason
    from deduped

),

final as (

    select
        tenant_id,
        name,
        timezone,
        country,
        plan,
        created_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
