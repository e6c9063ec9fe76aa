-- One row per valid user, deleted ones too (kpis.md `user_stats`):
-- lifetime figures summed from int_user_contributions_unioned, the first
-- successful binding, and activity over the 28 tenant-local days ending on
-- the tenant-local date of as_of, ranked over all the tenant's users.
with

users as (
    select * from {{ ref('dim_users') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

contributions as (
    select * from {{ ref('int_user_contributions_unioned') }}
),

binding_attempts as (
    select * from {{ ref('int_binding_attempts_classified') }}
),

as_of as (
    select * from {{ ref('int_as_of') }}
),

-- Each tenant's trailing window, in its own calendar: as_of's local date
-- and the 27 days before it.
tenant_windows as (
    select
        tenants.tenant_id,
        {{ to_local_date('as_of.as_of_at', 'tenants.timezone') }}
            as window_end_date
    from tenants
    cross join as_of
),

tenant_windows_bounded as (
    select
        tenant_id,
        window_end_date,
        cast(
            {{ dbt.dateadd('day', -27, 'window_end_date') }} as date
        ) as window_start_date
    from tenant_windows
),

first_activations as (
    select
        user_id,
        min(occurred_at) as first_activation_at
    from binding_attempts
    where is_success
    group by user_id
),

user_totals as (
    select
        contributions.user_id,
        min(
            case
                when contributions.activity = 1
                    then contributions.occurred_at
            end
        ) as first_activity_at,
        max(
            case
                when contributions.activity = 1
                    then contributions.occurred_at
            end
        ) as last_activity_at,
        {{ sum_as_bigint('contributions.messages_sent') }} as messages_sent,
        {{ sum_as_bigint('contributions.emails_sent') }} as emails_sent,
        {{ sum_as_bigint('contributions.first_replies') }} as first_replies,
        {{ sum_seconds_exactly('contributions.response_seconds') }}
            as response_seconds_sum,
        {{ sum_as_bigint('contributions.replies_within_sla') }}
            as replies_within_sla,
        {{ sum_as_bigint('contributions.cross_channel_replies') }}
            as cross_channel_replies,
        {{ sum_as_bigint('contributions.ai_generations') }}
            as ai_generations,
        {{ sum_as_bigint('contributions.ai_tokens') }} as ai_tokens,
        {{ sum_as_bigint('contributions.template_uses') }} as template_uses,
        {{ sum_as_bigint('contributions.template_applies') }}
            as template_applies,
        {{ sum_as_bigint(
            "case when contributions.activity_date
                between tenant_windows_bounded.window_start_date
                and tenant_windows_bounded.window_end_date
            then contributions.activity else 0 end"
        ) }} as activity_28d
    from contributions
    left join tenant_windows_bounded
        on contributions.tenant_id = tenant_windows_bounded.tenant_id
    group by contributions.user_id
),

joined as (
    select
        users.user_id,
        users.tenant_id,
        users.team_id,
        users.role,
        users.created_at,
        first_activations.first_activation_at,
        user_totals.first_activity_at,
        user_totals.last_activity_at,
        coalesce(user_totals.messages_sent, 0) as messages_sent,
        coalesce(user_totals.emails_sent, 0) as emails_sent,
        coalesce(user_totals.first_replies, 0) as first_replies,
        coalesce(
            user_totals.response_seconds_sum, 0
        ) as response_seconds_sum,
        coalesce(user_totals.replies_within_sla, 0) as replies_within_sla,
        coalesce(
            user_totals.cross_channel_replies, 0
        ) as cross_channel_replies,
        coalesce(user_totals.ai_generations, 0) as ai_generations,
        coalesce(user_totals.ai_tokens, 0) as ai_tokens,
        coalesce(user_totals.template_uses, 0) as template_uses,
        coalesce(user_totals.template_applies, 0) as template_applies,
        coalesce(user_totals.activity_28d, 0) as activity_28d
    from users
    left join first_activations
        on users.user_id = first_activations.user_id
    left join user_totals
        on users.user_id = user_totals.user_id
),

final as (
    select
        user_id,
        tenant_id,
        team_id,
        role,
        created_at,
        first_activation_at,
        cast(
            {{ seconds_between('created_at', 'first_activation_at') }}
            / 3600.0 as {{ type_double() }}
        ) as hours_to_first_activation,
        first_activity_at,
        last_activity_at,
        messages_sent,
        first_replies,
        response_seconds_sum,
        replies_within_sla,
        {{ safe_divide('response_seconds_sum', 'first_replies') }}
            as avg_response_seconds,
        {{ safe_divide('replies_within_sla', 'first_replies') }}
            as on_time_reply_rate,
        ai_generations,
        ai_tokens,
        template_uses,
        activity_28d,
        -- Every user of the tenant is ranked, zero activity included.
        cast(dense_rank() over (
            partition by tenant_id
            order by activity_28d desc
        ) as {{ dbt.type_bigint() }}) as activity_rank_28d,
        emails_sent,
        cross_channel_replies,
        template_applies
    from joined
)

select * from final
