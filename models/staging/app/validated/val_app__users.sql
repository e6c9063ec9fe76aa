{%- set table_name = 'user_profile' -%}

with

base as (

    select * from {{ ref('base_app__users') }}

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
            when {{ is_cross_tenant('team') }} then 'cross_tenant_team'
            when {{ not_in_contract_list(table_name, 'role') }}
                then 'value_not_in_list:role'
        end as invalid_reason
    from deduped

),

final as (

    select
        user_id,
        tenant_id,
        team_id,
        role,
        email_hash,
        phone_hash,
        created_at,
        deleted_at,
        is_deleted,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
