-- Per tenant-local day and user: what the user did (kpis.md `daily_stats`),
-- summed from int_user_contributions_unioned. The team is the user's
-- current one (dim_users), not the team at the time.
with

contributions as (
    select * from {{ ref('int_user_contributions_unioned') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

user_days as (
    select
        activity_date,
        tenant_id,
        user_id,
        {{ sum_as_bigint('messages_sent') }} as messages_sent,
        {{ sum_as_bigint('emails_sent') }} as emails_sent,
        {{ sum_as_bigint('first_replies') }} as first_replies,
        {{ sum_seconds_exactly('response_seconds') }}
            as response_seconds_sum,
        {{ sum_as_bigint('replies_within_sla') }} as replies_within_sla,
        {{ sum_as_bigint('cross_channel_replies') }} as cross_channel_replies,
        {{ sum_as_bigint('ai_generations') }} as ai_generations,
        {{ sum_as_bigint('ai_tokens') }} as ai_tokens,
        {{ sum_as_bigint('template_uses') }} as template_uses,
        {{ sum_as_bigint('template_applies') }} as template_applies,
        {{ sum_as_bigint('activity') }} as activity
    from contributions
    group by activity_date, tenant_id, user_id
),

final as (
    select
        user_days.activity_date,
        user_days.tenant_id,
        users.team_id,
        user_days.user_id,
        user_days.messages_sent,
        user_days.emails_sent,
        user_days.first_replies,
        user_days.response_seconds_sum,
        user_days.replies_within_sla,
        user_days.cross_channel_replies,
        user_days.ai_generations,
        user_days.ai_tokens,
        user_days.template_uses,
        user_days.template_applies,
        user_days.activity,
        -- Dense rank among the tenant's users with a row that day.
        cast(dense_rank() over (
            partition by user_days.activity_date, user_days.tenant_id
            order by user_days.activity desc
        ) as {{ dbt.type_bigint() }}) as activity_rank
    from user_days
    left join users
        on user_days.user_id = users.user_id
)

select * from final
