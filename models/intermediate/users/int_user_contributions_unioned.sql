-- One row per thing a user did that daily_stats or user_stats counts, in
-- one long table of zero/one measures, so that both marts sum the same
-- rows (per day or lifetime) and never disagree. Each source keeps its own
-- date rule: messages by their own date, first replies by the reply's date
-- (kpis.md), AI by the generation's first `generate` row, templates and
-- activity by their row.
with

messages as (
    select * from {{ ref('stg_events__messages') }}
),

first_replied as (
    select * from {{ ref('int_messages_first_replied') }}
),

generations as (
    select * from {{ ref('int_generations_summarized') }}
),

template_events as (
    select * from {{ ref('stg_events__template_events') }}
),

activities as (
    select * from {{ ref('int_activities_unioned') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

-- Human outbound only: an automated message may carry its owner's user_id
-- but is not something the user sent.
sent_message_points as (
    select
        'message_sent' as point_type,
        'raw_message' as source_table,
        messages.message_id as source_row_id,
        messages.tenant_id,
        messages.user_id,
        messages.occurred_at,
        {{ to_local_date('messages.occurred_at', 'tenants.timezone') }}
            as activity_date,
        1 as messages_sent,
        {{ flag_to_int("messages.channel = 'email'") }} as emails_sent,
        0 as first_replies,
        cast(0 as {{ type_double() }}) as response_seconds,
        0 as replies_within_sla,
        0 as cross_channel_replies,
        0 as ai_generations,
        0 as ai_tokens,
        0 as template_uses,
        0 as template_applies,
        0 as activity
    from messages
    left join tenants
        on messages.tenant_id = tenants.tenant_id
    where
        messages.direction = 'outbound'
        and messages.is_automated = false
        and messages.user_id is not null
),

-- Attributed to the replying user on the reply's tenant-local date.
first_reply_points as (
    select
        'first_reply' as point_type,
        'raw_message' as source_table,
        first_reply_message_id as source_row_id,
        tenant_id,
        first_reply_user_id as user_id,
        first_replied_at as occurred_at,
        first_reply_date as activity_date,
        0 as messages_sent,
        0 as emails_sent,
        1 as first_replies,
        response_seconds,
        {{ flag_to_int('is_within_sla') }} as replies_within_sla,
        {{ flag_to_int('is_cross_channel_reply') }} as cross_channel_replies,
        0 as ai_generations,
        0 as ai_tokens,
        0 as template_uses,
        0 as template_applies,
        0 as activity
    from first_replied
    where
        has_first_reply
        and first_reply_user_id is not null
),

-- A generation counts once, on its earliest `generate` row, with that
-- row's prompt + completion tokens: int_generations_summarized holds the
-- rule (shared with ai_daily, so the two marts agree).
ai_generation_points as (
    select
        'ai_generation' as point_type,
        'ai_assist_log' as source_table,
        generations.generate_event_id as source_row_id,
        generations.tenant_id,
        generations.user_id,
        generations.generated_at as occurred_at,
        {{ to_local_date(
            'generations.generated_at', 'tenants.timezone'
        ) }} as activity_date,
        0 as messages_sent,
        0 as emails_sent,
        0 as first_replies,
        cast(0 as {{ type_double() }}) as response_seconds,
        0 as replies_within_sla,
        0 as cross_channel_replies,
        1 as ai_generations,
        coalesce(generations.prompt_tokens, 0)
        + coalesce(generations.completion_tokens, 0) as ai_tokens,
        0 as template_uses,
        0 as template_applies,
        0 as activity
    from generations
    left join tenants
        on generations.tenant_id = tenants.tenant_id
    where generations.user_id is not null
),

template_points as (
    select
        'template_event' as point_type,
        'template_log' as source_table,
        template_events.event_id as source_row_id,
        template_events.tenant_id,
        template_events.user_id,
        template_events.occurred_at,
        {{ to_local_date('template_events.occurred_at', 'tenants.timezone') }}
            as activity_date,
        0 as messages_sent,
        0 as emails_sent,
        0 as first_replies,
        cast(0 as {{ type_double() }}) as response_seconds,
        0 as replies_within_sla,
        0 as cross_channel_replies,
        0 as ai_generations,
        0 as ai_tokens,
        {{ flag_to_int("template_events.action = 'use'") }} as template_uses,
        {{ flag_to_int("template_events.action = 'apply'") }}
            as template_applies,
        0 as activity
    from template_events
    left join tenants
        on template_events.tenant_id = tenants.tenant_id
    where
        template_events.action in ('use', 'apply')
        and template_events.user_id is not null
),

-- Activity points come from the shared int_activities_unioned, so that
-- daily_stats, user_stats and saas_daily agree on what activity is.
activity_points as (
    select
        'activity' as point_type,
        source_table,
        activity_id as source_row_id,
        tenant_id,
        user_id,
        occurred_at,
        activity_date,
        0 as messages_sent,
        0 as emails_sent,
        0 as first_replies,
        cast(0 as {{ type_double() }}) as response_seconds,
        0 as replies_within_sla,
        0 as cross_channel_replies,
        0 as ai_generations,
        0 as ai_tokens,
        0 as template_uses,
        0 as template_applies,
        1 as activity
    from activities
    where user_id is not null
),

final as (
    select * from sent_message_points
    union all
    select * from first_reply_points
    union all
    select * from ai_generation_points
    union all
    select * from template_points
    union all
    select * from activity_points
)

select * from final
