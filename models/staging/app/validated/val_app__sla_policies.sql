{%- set table_name = 'sla_policies' -%}

with

base as (

    select * from {{ ref('base_app__sla_policies') }}

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
            when {{ not_in_contract_list(table_name, 'channel') }}
                then 'value_not_in_list:channel'
            when deduped.first_reply_target_minutes < 0
                then 'negative_value:first_reply_target_minutes'
        end as invalid_reason
    from deduped

),

final as (

    select
        tenant_id,
        channel,
        first_reply_target_minutes,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
