-- Churn-risk features per tenant and scoring date, each from rows dated
-- strictly before the scoring date only (no leakage: a score as of date S
-- reads nothing at or after S, cancellations and expiries included).
-- Scoring dates: as_of's UTC date + 1 (the current score, all data) and
-- every 7 days back, while 42 days of history lie before them. Tenants are
-- scored from their creation until their latest subscription row before S
-- is cancelled or expired (already churned: nothing left to predict).
with

as_of as (
    select * from {{ ref('int_as_of') }}
),

scoring_dates as (
    select
        cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as date)
            as scoring_date,
        cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as timestamp)
            as scoring_at
    from {{ ref('int_calendar_days_spined') }} as days
    cross join as_of
    where
        mod(
            {{ dbt.datediff('days.date_day', 'as_of.as_of_date_utc', 'day') }},
            7
        ) = 0
        and {{ dbt.datediff('as_of.first_event_date_utc', 'days.date_day',
            'day') }} >= 41
),

tenants as (
    select
        tenant_id,
        created_at
    from {{ ref('stg_app__tenants') }}
),

subscription_events as (
    select
        tenant_id,
        event_id,
        action,
        occurred_at
    from {{ ref('stg_events__subscription_events') }}
),

latest_subscription_rows as (
    select
        scoring_dates.scoring_date,
        subscription_events.tenant_id,
        subscription_events.action,
        row_number() over (
            partition by
                scoring_dates.scoring_date, subscription_events.tenant_id
            order by
                subscription_events.occurred_at desc,
                subscription_events.event_id desc
        ) as recency
    from scoring_dates
    inner join subscription_events
        on scoring_dates.scoring_at > subscription_events.occurred_at
),

subscription_features as (
    select
        scoring_dates.scoring_date,
        subscription_events.tenant_id,
        sum(
            case
                when
                    subscription_events.action = 'downgraded'
                    and subscription_events.occurred_at >= {{
                        dbt.dateadd('day', -30, 'scoring_dates.scoring_at') }}
                    then 1
                else 0
            end
        ) as downgrades_30d
    from scoring_dates
    inner join subscription_events
        on scoring_dates.scoring_at > subscription_events.occurred_at
    group by scoring_dates.scoring_date, subscription_events.tenant_id
),

population as (
    select
        scoring_dates.scoring_date,
        scoring_dates.scoring_at,
        tenants.tenant_id,
        {{ dbt.datediff('tenants.created_at', 'scoring_dates.scoring_at',
            'day') }} as tenant_age_days,
        latest.action as latest_subscription_action
    from scoring_dates
    inner join tenants
        on scoring_dates.scoring_at > tenants.created_at
    left join latest_subscription_rows as latest
        on
            scoring_dates.scoring_date = latest.scoring_date
            and tenants.tenant_id = latest.tenant_id
            and latest.recency = 1
    where coalesce(latest.action, '') not in ('cancelled', 'expired')
),

activity as (
    select
        population.scoring_date,
        population.tenant_id,
        sum(
            case
                when activities.occurred_at >= {{
                    dbt.dateadd('day', -14, 'population.scoring_at') }}
                    then 1
                else 0
            end
        ) as activity_14d,
        sum(
            case
                when activities.occurred_at < {{
                    dbt.dateadd('day', -14, 'population.scoring_at') }}
                    then 1
                else 0
            end
        ) as activity_prior_28d,
        count(
            distinct case
                when activities.occurred_at >= {{
                    dbt.dateadd('day', -14, 'population.scoring_at') }}
                    then activities.user_id
            end
        ) as active_users_14d
    from population
    inner join {{ ref('int_activities_unioned') }} as activities
        on
            population.tenant_id = activities.tenant_id
            and population.scoring_at > activities.occurred_at
            and activities.occurred_at >= {{
                dbt.dateadd('day', -42, 'population.scoring_at') }}
    group by population.scoring_date, population.tenant_id
),

seats as (
    select
        population.scoring_date,
        population.tenant_id,
        count(*) as seats
    from population
    inner join {{ ref('stg_app__users') }} as users
        on
            population.tenant_id = users.tenant_id
            and population.scoring_at > users.created_at
            and (
                users.deleted_at is null
                or population.scoring_at <= users.deleted_at
            )
    group by population.scoring_date, population.tenant_id
),

syncs as (
    select
        population.scoring_date,
        population.tenant_id,
        count(*) as syncs_28d,
        sum(
            case when syncs.status = 'failure' then 1 else 0 end
        ) as failed_syncs_28d
    from population
    inner join {{ ref('fct_syncs') }} as syncs
        on
            population.tenant_id = syncs.tenant_id
            and population.scoring_at > syncs.started_at
            and syncs.started_at >= {{
                dbt.dateadd('day', -28, 'population.scoring_at') }}
    group by population.scoring_date, population.tenant_id
),

sla_windows as (
    -- tenant-local days that ended a day before the scoring date, so that
    -- their messages are due by then (SLA targets are at most 4 hours)
    select
        scoring_date,
        tenant_id,
        cast({{ dbt.dateadd('day', -43, 'scoring_at') }} as date)
            as prior_from,
        cast({{ dbt.dateadd('day', -15, 'scoring_at') }} as date)
            as recent_from,
        cast({{ dbt.dateadd('day', -1, 'scoring_at') }} as date)
            as recent_until
    from population
),

sla as (
    select
        sla_windows.scoring_date,
        sla_windows.tenant_id,
        sum(
            case
                when inbox.activity_date >= sla_windows.recent_from
                    then inbox.sla_due
                else 0
            end
        ) as sla_due_14d,
        sum(
            case
                when inbox.activity_date >= sla_windows.recent_from
                    then inbox.sla_met
                else 0
            end
        ) as sla_met_14d,
        sum(
            case
                when inbox.activity_date < sla_windows.recent_from
                    then inbox.sla_due
                else 0
            end
        ) as sla_due_prior_28d,
        sum(
            case
                when inbox.activity_date < sla_windows.recent_from
                    then inbox.sla_met
                else 0
            end
        ) as sla_met_prior_28d
    from sla_windows
    inner join {{ ref('inbox_daily') }} as inbox
        on
            sla_windows.tenant_id = inbox.tenant_id
            and sla_windows.recent_until > inbox.activity_date
            and sla_windows.prior_from <= inbox.activity_date
    group by sla_windows.scoring_date, sla_windows.tenant_id
),

final as (
    select
        population.tenant_id,
        population.scoring_date,
        population.tenant_age_days,
        population.latest_subscription_action,
        coalesce(activity.activity_14d, 0) as activity_14d,
        coalesce(activity.activity_prior_28d, 0) as activity_prior_28d,
        coalesce(activity.active_users_14d, 0) as active_users_14d,
        coalesce(seats.seats, 0) as seats,
        coalesce(syncs.syncs_28d, 0) as syncs_28d,
        coalesce(syncs.failed_syncs_28d, 0) as failed_syncs_28d,
        coalesce(sla.sla_due_14d, 0) as sla_due_14d,
        coalesce(sla.sla_met_14d, 0) as sla_met_14d,
        coalesce(sla.sla_due_prior_28d, 0) as sla_due_prior_28d,
        coalesce(sla.sla_met_prior_28d, 0) as sla_met_prior_28d,
        coalesce(
            subscription_features.downgrades_30d, 0
        ) as downgrades_30d
    from population
    left join activity
        on
            population.scoring_date = activity.scoring_date
            and population.tenant_id = activity.tenant_id
    left join seats
        on
            population.scoring_date = seats.scoring_date
            and population.tenant_id = seats.tenant_id
    left join syncs
        on
            population.scoring_date = syncs.scoring_date
            and population.tenant_id = syncs.tenant_id
    left join sla
        on
            population.scoring_date = sla.scoring_date
            and population.tenant_id = sla.tenant_id
    left join subscription_features
        on
            population.scoring_date = subscription_features.scoring_date
            and population.tenant_id = subscription_features.tenant_id
)

select * from final
