-- One row per paid period (kpis.md subscription_renewals): a distinct
-- (subscription_id, period_start, period_end) of activated, renewed,
-- upgraded or downgraded rows. Trials are never paid periods. Shared by
-- the renewals mart and paying_tenants.
with

subscription_events as (
    select
        event_id,
        tenant_id,
        subscription_id,
        action,
        plan,
        period_start_at,
        period_end_at,
        occurred_at
    from {{ ref('stg_events__subscription_events') }}
),

paid_rows as (
    select *
    from subscription_events
    where
        action in ('activated', 'renewed', 'upgraded', 'downgraded')
        -- a row without both bounds defines no period
        and period_start_at is not null
        and period_end_at is not null
),

paid_rows_ranked as (
    -- The period's plan is that of its latest row; event_id breaks ties
    -- at the same instant so that reruns agree.
    select
        subscription_id,
        period_start_at,
        period_end_at,
        tenant_id,
        plan,
        row_number() over (
            partition by subscription_id, period_start_at, period_end_at
            order by occurred_at desc, event_id desc
        ) as recency_rank
    from paid_rows
),

latest_rows as (
    select *
    from paid_rows_ranked
    where recency_rank = 1
),

period_bounds as (
    select
        subscription_id,
        period_start_at,
        period_end_at,
        min(occurred_at) as first_recorded_at,
        count(*) as source_rows
    from paid_rows
    group by
        subscription_id,
        period_start_at,
        period_end_at
),

renewal_starts as (
    -- A period is renewed when a `renewed` row starts where it ends.
    select distinct
        subscription_id,
        period_start_at
    from subscription_events
    where action = 'renewed'
),

final as (
    select
        period_bounds.subscription_id,
        period_bounds.period_start_at,
        period_bounds.period_end_at,
        latest_rows.tenant_id,
        -- plan may be null on subscription rows; keep the period visible
        coalesce(latest_rows.plan, 'unknown') as plan,
        cast(period_bounds.period_start_at as date) as period_start_date,
        cast(period_bounds.period_end_at as date) as period_end_date,
        cast(
            {{ dbt.date_trunc('month', 'period_bounds.period_end_at') }}
            as date
        ) as due_month,
        (renewal_starts.subscription_id is not null) as is_renewed,
        period_bounds.first_recorded_at,
        cast(period_bounds.first_recorded_at as date) as first_recorded_date,
        period_bounds.source_rows
    from period_bounds
    inner join latest_rows
        on
            period_bounds.subscription_id = latest_rows.subscription_id
            and period_bounds.period_start_at = latest_rows.period_start_at
            and period_bounds.period_end_at = latest_rows.period_end_at
    left join renewal_starts
        on
            period_bounds.subscription_id = renewal_starts.subscription_id
            and period_bounds.period_end_at = renewal_starts.period_start_at
)

select * from final
