-- kpis.md saas_daily: every UTC day from the first valid event to as_of,
-- with active tenants/users that day and in the 7 and 28 days ending that
-- day, and paying tenants.
with

calendar as (
    select date_day
    from {{ ref('int_calendar_days_spined') }}
),

activities as (
    select
        tenant_id,
        user_id,
        activity_date_utc
    from {{ ref('int_activities_unioned') }}
),

paying as (
    select
        date_day,
        tenant_id
    from {{ ref('int_tenant_days_paying') }}
),

-- One row per actor and active day: tenants and users are counted the
-- same way, so they share one stream told apart by actor_type. Null ids
-- and dates drop out here, as they did from the distinct counts.
actor_days as (
    select distinct
        'tenant' as actor_type,
        tenant_id as actor_id,
        activity_date_utc
    from activities
    where
        tenant_id is not null
        and activity_date_utc is not null
    union all
    select distinct
        'user' as actor_type,
        user_id as actor_id,
        activity_date_utc
    from activities
    where
        user_id is not null
        and activity_date_utc is not null
),

-- An actor is in the L-day window ending on day d when one of its active
-- days a has a <= d <= a + L - 1. Cutting each [a, a + L - 1] at the end
-- of the actor's previous one gives disjoint segments with the same union,
-- so counting the segments that cover d counts each actor once.
actor_day_gaps as (
    select
        actor_type,
        activity_date_utc,
        lag(activity_date_utc) over (
            partition by actor_type, actor_id
            order by activity_date_utc
        ) as previous_date_utc
    from actor_days
),

-- Segment for day a and window L: [max(a, previous + L), a + L - 1]; it
-- is never empty because previous < a.
actor_segments as (
    select
        actor_type,
        activity_date_utc,
        case
            when
                previous_date_utc is null
                or cast(
                    {{ dbt.dateadd('day', 7, 'previous_date_utc') }} as date
                ) <= activity_date_utc
                then activity_date_utc
            else cast(
                {{ dbt.dateadd('day', 7, 'previous_date_utc') }} as date
            )
        end as segment_start_7d,
        cast(
            {{ dbt.dateadd('day', 7, 'activity_date_utc') }} as date
        ) as segment_stop_7d,
        case
            when
                previous_date_utc is null
                or cast(
                    {{ dbt.dateadd('day', 28, 'previous_date_utc') }} as date
                ) <= activity_date_utc
                then activity_date_utc
            else cast(
                {{ dbt.dateadd('day', 28, 'previous_date_utc') }} as date
            )
        end as segment_start_28d,
        cast(
            {{ dbt.dateadd('day', 28, 'activity_date_utc') }} as date
        ) as segment_stop_28d
    from actor_day_gaps
),

-- +1 where a segment starts, -1 on the day after it ends (stop); the
-- 1-day window is the active day itself.
segment_deltas as (
    select
        activity_date_utc as delta_date,
        actor_type,
        1 as window_days,
        1 as delta
    from actor_segments
    union all
    select
        cast(
            {{ dbt.dateadd('day', 1, 'activity_date_utc') }} as date
        ) as delta_date,
        actor_type,
        1 as window_days,
        -1 as delta
    from actor_segments
    union all
    select
        segment_start_7d as delta_date,
        actor_type,
        7 as window_days,
        1 as delta
    from actor_segments
    union all
    select
        segment_stop_7d as delta_date,
        actor_type,
        7 as window_days,
        -1 as delta
    from actor_segments
    union all
    select
        segment_start_28d as delta_date,
        actor_type,
        28 as window_days,
        1 as delta
    from actor_segments
    union all
    select
        segment_stop_28d as delta_date,
        actor_type,
        28 as window_days,
        -1 as delta
    from actor_segments
),

-- Calendar days join with a zero delta so that every day gets a running
-- total, quiet days included (the zero rows' labels do not matter).
dated_deltas as (
    select
        delta_date,
        actor_type,
        window_days,
        delta
    from segment_deltas
    union all
    select
        date_day as delta_date,
        'tenant' as actor_type,
        1 as window_days,
        0 as delta
    from calendar
),

-- One row per date with the net change of each of the six counts.
daily_deltas as (
    select
        delta_date,
        sum(case
            when actor_type = 'tenant' and window_days = 1 then delta
            else 0
        end) as tenants_1d_delta,
        sum(case
            when actor_type = 'user' and window_days = 1 then delta
            else 0
        end) as users_1d_delta,
        sum(case
            when actor_type = 'tenant' and window_days = 7 then delta
            else 0
        end) as tenants_7d_delta,
        sum(case
            when actor_type = 'user' and window_days = 7 then delta
            else 0
        end) as users_7d_delta,
        sum(case
            when actor_type = 'tenant' and window_days = 28 then delta
            else 0
        end) as tenants_28d_delta,
        sum(case
            when actor_type = 'user' and window_days = 28 then delta
            else 0
        end) as users_28d_delta
    from dated_deltas
    group by delta_date
),

-- Segments covering a day = running sum of the deltas up to that day.
active_counts as (
    select
        delta_date as date_day,
        sum(tenants_1d_delta) over (
            order by delta_date
            rows between unbounded preceding and current row
        ) as active_tenants,
        sum(users_1d_delta) over (
            order by delta_date
            rows between unbounded preceding and current row
        ) as active_users,
        sum(tenants_7d_delta) over (
            order by delta_date
            rows between unbounded preceding and current row
        ) as active_tenants_7d,
        sum(users_7d_delta) over (
            order by delta_date
            rows between unbounded preceding and current row
        ) as active_users_7d,
        sum(tenants_28d_delta) over (
            order by delta_date
            rows between unbounded preceding and current row
        ) as active_tenants_28d,
        sum(users_28d_delta) over (
            order by delta_date
            rows between unbounded preceding and current row
        ) as active_users_28d
    from daily_deltas
),

paying_counts as (
    select
        date_day,
        count(distinct tenant_id) as paying_tenants
    from paying
    group by date_day
),

final as (
    select
        calendar.date_day as activity_date_utc,
        cast(
            coalesce(active_counts.active_tenants, 0)
            as {{ dbt.type_bigint() }}
        ) as active_tenants,
        cast(
            coalesce(active_counts.active_users, 0)
            as {{ dbt.type_bigint() }}
        ) as active_users,
        cast(
            coalesce(active_counts.active_tenants_7d, 0)
            as {{ dbt.type_bigint() }}
        ) as active_tenants_7d,
        cast(
            coalesce(active_counts.active_users_7d, 0)
            as {{ dbt.type_bigint() }}
        ) as active_users_7d,
        cast(
            coalesce(active_counts.active_tenants_28d, 0)
            as {{ dbt.type_bigint() }}
        ) as active_tenants_28d,
        cast(
            coalesce(active_counts.active_users_28d, 0)
            as {{ dbt.type_bigint() }}
        ) as active_users_28d,
        cast(
            coalesce(paying_counts.paying_tenants, 0)
            as {{ dbt.type_bigint() }}
        ) as paying_tenants
    from calendar
    left join active_counts
        on calendar.date_day = active_counts.date_day
    left join paying_counts
        on calendar.date_day = paying_counts.date_day
)

select * from final
