{%- set table_name = 'sync_log' -%}
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
            when {{ not_in_contract_list(table_name, 'status') }}
                then 'value_not_in_list:status'
            when deduped.started_at is null then 'event_time_missing'
            when {{ is_in_future('started_at') }} then 'event_time_in_future'
            when {{ is_before_2000('started_at') }}
                then 'event_time_before_2000'
            when deduped.items_synced < 0 then 'negative_value:items_synced'
            when deduped.finished_at < deduped.started_at
                then 'end_before_start'
        end as invalid_reason
    from deduped

),

final as (

    select
        sync_id,
        tenant_id,
        platform,
        started_at,
        finished_at,
        status,
        items_synced,
        error_code,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final{{ restaged_rows_only(table_name) }}
