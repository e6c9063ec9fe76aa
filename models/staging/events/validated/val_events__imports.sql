{%- set table_name = 'import_log' -%}
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
            when {{ not_in_contract_list(table_name, 'source') }}
                then 'value_not_in_list:source'
            when deduped.started_at is null then 'event_time_missing'
            when {{ is_in_future('started_at') }} then 'event_time_in_future'
            when {{ is_before_2000('started_at') }}
                then 'event_time_before_2000'
            when deduped.rows_received < 0 then 'negative_value:rows_received'
            when deduped.rows_imported < 0 then 'negative_value:rows_imported'
            when deduped.rows_rejected < 0 then 'negative_value:rows_rejected'
            when deduped.finished_at < deduped.started_at
                then 'end_before_start'
        end as invalid_reason
    from deduped

),

final as (

    select
        import_batch_id,
        tenant_id,
        source,
        rows_received,
        rows_imported,
        rows_rejected,
        started_at,
        finished_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final{{ restaged_rows_only(table_name) }}
