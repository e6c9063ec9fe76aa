-- One row per (tenant, module, UTC day) from the tenant's first module
-- event on that module to as_of: is the module active at the end of the
-- day? (kpis.md module_activation: the latest module_activated or
-- module_deactivated row up to then decides.)
with

calendar as (
    select date_day
    from {{ ref('int_calendar_days_spined') }}
),

module_events as (
    select
        event_id,
        tenant_id,
        module,
        action,
        occurred_at,
        cast(occurred_at as date) as occurred_date
    from {{ ref('stg_events__user_events') }}
    where
        action in ('module_activated', 'module_deactivated')
        and module is not null
        and tenant_id is not null
),

module_events_ranked as (
    -- The row that is latest at the end of its UTC day; event_id breaks
    -- ties at the same instant so that reruns agree.
    select
        tenant_id,
        module,
        action,
        occurred_date,
        row_number() over (
            partition by tenant_id, module, occurred_date
            order by occurred_at desc, event_id desc
        ) as rank_in_day
    from module_events
),

state_spans as (
    select
        tenant_id,
        module,
        occurred_date as valid_from_date,
        (action = 'module_activated') as is_active,
        lead(occurred_date) over (
            partition by tenant_id, module
            order by occurred_date
        ) as valid_to_date
    from module_events_ranked
    where rank_in_day = 1
),

final as (
    select
        calendar.date_day,
        state_spans.tenant_id,
        state_spans.module,
        state_spans.is_active
    from state_spans
    inner join calendar
        on
            state_spans.valid_from_date <= calendar.date_day
            and (
                state_spans.valid_to_date is null
                or state_spans.valid_to_date > calendar.date_day
            )
)

select * from final
