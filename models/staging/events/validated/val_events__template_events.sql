{%- set table_name = 'template_log' -%}
{{ config(validated_events_config(table_name)) }}

with

{{ changed_copies(table_name) }},

base as (

    select * from copies_ranked

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
            when {{ is_cross_tenant('user') }} then 'cross_tenant_user'
            when {{ is_cross_tenant_template() }} then 'cross_tenant_template'
            when {{ not_in_contract_list(table_name, 'action') }}
                then 'value_not_in_list:action'
            when deduped.occurred_at is null then 'event_time_missing'
            when {{ is_in_future('occurred_at') }} then 'event_time_in_future'
            when {{ is_before_2000('occurred_at') }}
                then 'event_time_before_2000'
        end as invalid_reason
    from deduped

),

final as (

    select
        event_id,
        tenant_id,
        user_id,
        template_id,
        action,
        occurred_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final{{ restaged_rows_only(table_name) }}
