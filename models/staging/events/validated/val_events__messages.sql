{%- set table_name = 'raw_message' -%}
{{ config(validated_events_config(table_name)) }}

{#- Rules 4 and 10 (in_reply_to) refer to this table itself: they are
    checked against the messages that pass every other rule (no
    recursion), then the first failing rule in contract order wins. -#}

with

{{ changed_copies(table_name) }},

base as (

    select * from copies_ranked

),

deduped as (

    select * from base
    where redelivery_rank = 1

),

checked as (

    select
        deduped.*,
        case
            when deduped.copy_reason is not null
                then deduped.copy_reason
            when {{ is_blank('deduped.tenant_id') }} then 'missing_tenant'
            when {{ is_unknown('tenant') }} then 'unknown_tenant'
            when {{ is_cross_tenant('contact') }} then 'cross_tenant_contact'
            when {{ is_cross_tenant('user') }} then 'cross_tenant_user'
            when {{ is_cross_tenant_template() }} then 'cross_tenant_template'
        end as reason_before_reply,
        case
            when {{ not_in_contract_list(table_name, 'channel') }}
                then 'value_not_in_list:channel'
            when {{ not_in_contract_list(table_name, 'direction') }}
                then 'value_not_in_list:direction'
            when deduped.occurred_at is null then 'event_time_missing'
            when {{ is_in_future('occurred_at') }} then 'event_time_in_future'
            when {{ is_before_2000('occurred_at') }}
                then 'event_time_before_2000'
            when deduped.catalog_product_count < 0
                then 'negative_value:catalog_product_count'
        end as reason_after_reply
    from deduped

),

parents as (

    select
        message_id,
        tenant_id,
        occurred_at
    from checked
    where
        reason_before_reply is null
        and reason_after_reply is null

),

reply_checked as (

    select
        checked.*,
        case
            when parents.tenant_id <> checked.tenant_id
                then 'cross_tenant_reply'
        end as reason_reply_tenant,
        case
            when checked.occurred_at < parents.occurred_at
                then 'reply_before_message'
        end as reason_reply_order
    from checked
    left join parents
        on checked.in_reply_to_message_id = parents.message_id

),

validated as (

    select
        reply_checked.*,
        reply_checked.copies_received - 1 as duplicates_removed,
        coalesce(
            reply_checked.reason_before_reply,
            reply_checked.reason_reply_tenant,
            reply_checked.reason_after_reply,
            reply_checked.reason_reply_order
        ) as invalid_reason
    from reply_checked

),

final as (

    select
        message_id,
        tenant_id,
        conversation_id,
        contact_id,
        user_id,
        channel,
        direction,
        in_reply_to_message_id,
        is_automated,
        template_id,
        ai_generation_id,
        catalog_product_count,
        occurred_at,
        loaded_at,
        duplicates_removed,
        invalid_reason
    from validated

)

select * from final{{ restaged_rows_only(table_name) }}
