-- One row per (UTC day, tenant) while the tenant pays (kpis.md
-- paying_tenants): the day lies in a paid period (period_start <= day <
-- period_end, UTC dates) known from a row dated on or before that day, and
-- the subscription's latest row dated on or before that day is not
-- cancelled, expired or trial_started. Only days from the first event to
-- as_of (the calendar) are produced.
with

calendar as (
    select date_day
    from {{ ref('int_calendar_days_spined') }}
),

subscription_events as (
    select
        event_id,
        tenant_id,
        subscription_id,
        action,
        occurred_at,
        cast(occurred_at as date) as occurred_date
    from {{ ref('stg_events__subscription_events') }}
),

paid_periods as (
    select
        subscription_id,
        period_start_date,
        period_end_date,
        first_recorded_date
    from {{ ref('int_subscription_periods_collapsed') }}
),

subscription_events_ranked as (
    -- The row that is latest at the end of its UTC day.
    select
        subscription_id,
        tenant_id,
        action,
        occurred_date,
        row_number() over (
            partition by subscription_id, occurred_date
            order by occurred_at desc, event_id desc
        ) as rank_in_day
    from subscription_events
),

status_spans as (
    -- Each day's last row holds until the next day with a row.
    select
        subscription_id,
        tenant_id,
        action as latest_action,
        occurred_date as valid_from_date,
        lead(occurred_date) over (
            partition by subscription_id
            order by occurred_date
        ) as valid_to_date
    from subscription_events_ranked
    where rank_in_day = 1
),

subscription_days as (
    select
        calendar.date_day,
        status_spans.subscription_id,
        status_spans.tenant_id,
        status_spans.latest_action
    from status_spans
    inner join calendar
        on
            status_spans.valid_from_date <= calendar.date_day
            and (
                status_spans.valid_to_date is null
                or status_spans.valid_to_date > calendar.date_day
            )
),

paying_subscription_days as (
    select
        subscription_days.date_day,
        subscription_days.tenant_id,
        subscription_days.subscription_id
    from subscription_days
    where
        subscription_days.latest_action
        not in ('cancelled', 'expired', 'trial_started')
        and exists (
            select 1
            from paid_periods
            where
                paid_periods.subscription_id
                = subscription_days.subscription_id
                and paid_periods.period_start_date
                <= subscription_days.date_day
                and subscription_days.date_day
                < paid_periods.period_end_date
                and paid_periods.first_recorded_date
                <= subscription_days.date_day
        )
),

final as (
    select
        date_day,
        tenant_id,
        count(distinct subscription_id) as paying_subscriptions
    from paying_subscription_days
    group by
        date_day,
        tenant_id
)

select * from final
