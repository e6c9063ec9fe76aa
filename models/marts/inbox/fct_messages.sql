-- One row per valid message, inbound and outbound, with the first-reply
-- and SLA facts of inbound messages (from int_messages_first_replied) and,
-- on outbound messages, whether the message is a first reply.
with

messages as (
    select * from {{ ref('stg_events__messages') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

first_replied as (
    select * from {{ ref('int_messages_first_replied') }}
),

-- The reply side: which outbound messages are some inbound's first reply.
first_reply_messages as (
    select first_reply_message_id
    from first_replied
    where has_first_reply
),

final as (
    select
        messages.message_id,
        messages.tenant_id,
        messages.conversation_id,
        messages.contact_id,
        messages.user_id,
        messages.channel,
        messages.direction,
        messages.in_reply_to_message_id,
        messages.is_automated,
        coalesce(
            messages.direction = 'outbound'
            and messages.is_automated = false,
            false
        ) as is_human_outbound,
        first_reply_messages.first_reply_message_id is not null
            as is_first_reply,
        messages.template_id,
        messages.ai_generation_id,
        messages.catalog_product_count,
        messages.occurred_at,
        {{ to_local_date('messages.occurred_at', 'tenants.timezone') }}
            as activity_date,
        first_replied.has_first_reply,
        first_replied.first_reply_message_id,
        first_replied.first_reply_user_id,
        first_replied.first_reply_channel,
        first_replied.first_replied_at,
        first_replied.first_reply_date,
        first_replied.response_seconds,
        first_replied.is_cross_channel_reply,
        first_replied.sla_target_minutes,
        first_replied.sla_target_source,
        first_replied.sla_due_at,
        first_replied.is_within_sla,
        first_replied.is_sla_due,
        first_replied.is_sla_met
    from messages
    left join tenants
        on messages.tenant_id = tenants.tenant_id
    left join first_replied
        on messages.message_id = first_replied.message_id
    left join first_reply_messages
        on messages.message_id = first_reply_messages.first_reply_message_id
)

select * from final
