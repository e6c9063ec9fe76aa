{#- The rolling windows, in days, and the two kinds of actor. Each
    (window, actor) pair is one column: active_<actor>s[_<L>d]. -#}
{%- set windows = [1, 7, 28] -%}
{%- set actor_types = ['tenant', 'user'] -%}
{%- set counts = [] -%}
{%- for days in windows -%}
    {%- for actor in actor_types -%}
        {%- do counts.append({
            'actor': actor, 'days': days,
            'column': 'active_' ~ actor ~ 's'
                ~ ('' if days == 1 else '_' ~ days ~ 'd')}) -%}
    {%- endfor -%}
{%- endfor -%}
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

-- Segment for day a and window L: [max(a, previous + L), a + L - 1],
-- kept as start and stop (the day after it ends); never empty because
-- previous < a. For L = 1 it is the active day itself.
actor_segments as (
    select
        {% for days in windows -%}
            case
                when
                    previous_date_utc is null
                    or cast(
                        {{ dbt.dateadd('day', days, 'previous_date_utc') }}
                        as date
                    ) <= activity_date_utc
                    then activity_date_utc
                else cast(
                    {{ dbt.dateadd('day', days, 'previous_date_utc') }} as date
                )
            end as segment_start_{{ days }}d,
            cast(
                {{ dbt.dateadd('day', days, 'activity_date_utc') }} as date
            ) as segment_stop_{{ days }}d,
        {% endfor -%}
        actor_type
    from actor_day_gaps
),

-- +1 where a segment starts, -1 where it stops.
segment_deltas as (
    {% for days in windows -%}
        select
            segment_start_{{ days }}d as delta_date,
            actor_type,
            {{ days }} as window_days,
            1 as delta
        from actor_segments
        union all
        select
            segment_stop_{{ days }}d as delta_date,
            actor_type,
            {{ days }} as window_days,
            -1 as delta
        from actor_segments
        {% if not loop.last %}union all{% endif %}
    {% endfor -%}
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

-- One row per date with the net change of each (window, actor) count.
daily_deltas as (
    select
        {% for count in counts -%}
            sum(case
                when
                    actor_type = '{{ count.actor }}'
                    and window_days = {{ count.days }}
                    then delta
                else 0
            end) as {{ count.column }}_delta,
        {% endfor -%}
        delta_date
    from dated_deltas
    group by delta_date
),

-- Segments covering a day = running sum of the deltas up to that day.
active_counts as (
    select
        {% for count in counts -%}
            sum({{ count.column }}_delta) over (
                order by delta_date
                rows between unbounded preceding and current row
            ) as {{ count.column }},
        {% endfor -%}
        delta_date as date_day
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
        {% for count in counts -%}
            cast(
                coalesce(active_counts.{{ count.column }}, 0)
                as {{ dbt.type_bigint() }}
            ) as {{ count.column }},
        {% endfor -%}
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
