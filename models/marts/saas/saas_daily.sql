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

daily_actors as (
    -- one row per actor and day keeps the window join small
    select distinct
        activity_date_utc,
        tenant_id,
        user_id
    from activities
),

calendar_windows as (
    select
        date_day,
        cast({{ dbt.dateadd('day', -6, 'date_day') }} as date)
            as window_start_7d,
        cast({{ dbt.dateadd('day', -27, 'date_day') }} as date)
            as window_start_28d
    from calendar
),

active_counts as (
    select
        calendar_windows.date_day,
        count(distinct case
            when daily_actors.activity_date_utc = calendar_windows.date_day
                then daily_actors.tenant_id
        end) as active_tenants,
        count(distinct case
            when daily_actors.activity_date_utc = calendar_windows.date_day
                then daily_actors.user_id
        end) as active_users,
        count(distinct case
            when
                daily_actors.activity_date_utc
                >= calendar_windows.window_start_7d
                then daily_actors.tenant_id
        end) as active_tenants_7d,
        count(distinct case
            when
                daily_actors.activity_date_utc
                >= calendar_windows.window_start_7d
                then daily_actors.user_id
        end) as active_users_7d,
        count(distinct daily_actors.tenant_id) as active_tenants_28d,
        count(distinct daily_actors.user_id) as active_users_28d
    from calendar_windows
    inner join daily_actors
        on
            calendar_windows.window_start_28d
            <= daily_actors.activity_date_utc
            and calendar_windows.date_day >= daily_actors.activity_date_utc
    group by calendar_windows.date_day
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
