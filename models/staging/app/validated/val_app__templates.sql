{%- set table_name = 'templates' -%}

with

base as (

    select * from {{ ref('base_app__templates') }}

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
            when
                {{ is_blank('deduped.tenant_id') }}
                and coalesce(deduped.scope, '') <> 'brand'
                then 'missing_tenant'
            when {{ is_unknown('tenant') }} then 'unknown_tenant'
            when
                deduped.scope = 'brand'
                and {{ is_blank('deduped.brand_id') }}
                then 'missing_brand'
            when {{ is_unknown('brand') }} then 'unknown_brand'
            when {{ is_cross_tenant('user', 'owner_user_id') }}
                then 'cross_tenant_user'
            when {{ is_cross_tenant('team') }} then 'cross_tenant_team'
            when {{ not_in_contract_list(table_name, 'scope') }}
                then 'value_not_in_list:scope'
            when {{ not_in_contract_list(table_name, 'format') }}
                then 'value_not_in_list:format'
        end as invalid_reason
    from deduped

),

final as (

    select
        template_id,
        tenant_id,
        brand_id,
        owner_user_id,
        team_id,
        scope,
        language,
        format,
        created_at,
        deleted_at,
        is_deleted,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final
