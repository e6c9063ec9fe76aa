-- One row per valid inbound message with its first human reply (kpis.md,
-- "first reply") and its SLA facts. Marts read the reply columns from here
-- so that the first-reply rule lives in one place.
with

messages as (
    select * from {{ ref('stg_events__messages') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

sla_policies as (
    select * from {{ ref('stg_app__sla_policies') }}
),

default_sla_targets as (
    select * from {{ ref('default_sla_targets') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

inbound_messages as (
    select
        message_id,
        tenant_id,
        conversation_id,
        contact_id,
        channel,
        occurred_at
    from messages
    where direction = 'inbound'
),

-- Automated messages are not replies by a person, so they never count;
-- the tenant must match even though staging already rejects cross-tenant
-- references, to keep the rule readable here.
reply_candidates as (
    select
        inbound_messages.message_id as inbound_message_id,
        replies.message_id as reply_message_id,
        replies.user_id as reply_user_id,
        replies.channel as reply_channel,
        replies.occurred_at as replied_at,
        row_number() over (
            partition by inbound_messages.message_id
            order by replies.occurred_at asc, replies.message_id asc
        ) as reply_order
    from inbound_messages
    inner join messages as replies
        on
            inbound_messages.message_id = replies.in_reply_to_message_id
            and inbound_messages.tenant_id = replies.tenant_id
    where
        replies.direction = 'outbound'
        and replies.is_automated = false
),

-- Earliest reply wins; at the same instant the smaller message_id does.
first_replies as (
    select
        inbound_message_id,
        reply_message_id,
        reply_user_id,
        reply_channel,
        replied_at
    from reply_candidates
    where reply_order = 1
),

-- The tenant's own policy for the channel wins over the seeded default.
sla_targets as (
    select
        inbound_messages.message_id,
        cast(
            coalesce(
                sla_policies.first_reply_target_minutes,
                default_sla_targets.first_reply_target_minutes
            ) as {{ dbt.type_bigint() }}
        ) as sla_target_minutes,
        case
            when sla_policies.first_reply_target_minutes is not null
                then 'tenant_policy'
            when default_sla_targets.first_reply_target_minutes is not null
                then 'default'
        end as sla_target_source
    from inbound_messages
    left join sla_policies
        on
            inbound_messages.tenant_id = sla_policies.tenant_id
            and inbound_messages.channel = sla_policies.channel
    left join default_sla_targets
        on inbound_messages.channel = default_sla_targets.channel
),

joined as (
    select
        inbound_messages.message_id,
        inbound_messages.tenant_id,
        inbound_messages.conversation_id,
        inbound_messages.contact_id,
        inbound_messages.channel,
        inbound_messages.occurred_at as received_at,
        {{ to_local_date('inbound_messages.occurred_at', 'tenants.timezone') }}
            as received_date,
        first_replies.reply_message_id as first_reply_message_id,
        first_replies.reply_user_id as first_reply_user_id,
        first_replies.reply_channel as first_reply_channel,
        first_replies.replied_at as first_replied_at,
        {{ to_local_date('first_replies.replied_at', 'tenants.timezone') }}
            as first_reply_date,
        {{ seconds_between(
            'inbound_messages.occurred_at', 'first_replies.replied_at'
        ) }} as response_seconds,
        sla_targets.sla_target_minutes,
        sla_targets.sla_target_source,
        {{ dbt.dateadd(
            'minute',
            'sla_targets.sla_target_minutes',
            'inbound_messages.occurred_at'
        ) }} as sla_due_at,
        as_of.as_of_at
    from inbound_messages
    inner join sla_targets
        on inbound_messages.message_id = sla_targets.message_id
    left join first_replies
        on inbound_messages.message_id = first_replies.inbound_message_id
    left join tenants
        on inbound_messages.tenant_id = tenants.tenant_id
    cross join as_of
),

-- Flags are false (never null) when there is no first reply, so that they
-- sum directly into counts.
final as (
    select
        message_id,
        tenant_id,
        conversation_id,
        contact_id,
        channel,
        received_at,
        received_date,
        first_reply_message_id,
        first_reply_user_id,
        first_reply_channel,
        first_replied_at,
        first_reply_date,
        cast(response_seconds as {{ type_double() }}) as response_seconds,
        sla_target_minutes,
        sla_target_source,
        cast(sla_due_at as {{ dbt.type_timestamp() }}) as sla_due_at,
        coalesce(first_reply_message_id is not null, false)
            as has_first_reply,
        coalesce(first_reply_channel <> channel, false)
            as is_cross_channel_reply,
        coalesce(response_seconds <= sla_target_minutes * 60, false)
            as is_within_sla,
        -- Due once the whole target window has elapsed by as_of.
        coalesce(sla_due_at <= as_of_at, false) as is_sla_due,
        coalesce(
            sla_due_at <= as_of_at
            and response_seconds <= sla_target_minutes * 60,
            false
        ) as is_sla_met
    from joined
)

select * from final
