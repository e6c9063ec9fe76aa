{%- set table_name = 'cdn_log' -%}
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
            when {{ not_in_contract_list(table_name, 'distribution') }}
                then 'value_not_in_list:distribution'
            when deduped.requests < 0 then 'negative_value:requests'
            when deduped.bytes_served < 0 then 'negative_value:bytes_served'
        end as invalid_reason
    from deduped

),

final as (

    select
        log_date,
        tenant_id,
        distribution,
        requests,
        bytes_served,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final{{ restaged_rows_only(table_name) }}
