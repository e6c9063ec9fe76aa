-- kpis.md module_activation: every UTC day (first event to as_of) x every
-- module of the product_modules seed; of the tenants paying that day, how
-- many have the module active at the end of the day.
with

calendar as (
    select date_day
    from {{ ref('int_calendar_days_spined') }}
),

modules as (
    select module
    from {{ ref('product_modules') }}
),

paying as (
    select
        date_day,
        tenant_id
    from {{ ref('int_tenant_days_paying') }}
),

module_states as (
    select
        date_day,
        tenant_id,
        module
    from {{ ref('int_module_states_daily') }}
    where is_active
),

paying_counts as (
    select
        date_day,
        count(distinct tenant_id) as paying_tenants
    from paying
    group by date_day
),

active_module_counts as (
    -- only paying tenants count towards the numerator (kpis.md)
    select
        module_states.date_day,
        module_states.module,
        count(distinct module_states.tenant_id) as tenants_active_module
    from module_states
    inner join paying
        on
            module_states.date_day = paying.date_day
            and module_states.tenant_id = paying.tenant_id
    group by
        module_states.date_day,
        module_states.module
),

calendar_modules as (
    select
        calendar.date_day,
        modules.module
    from calendar
    cross join modules
),

final as (
    select
        calendar_modules.date_day as activity_date_utc,
        cast(calendar_modules.module as {{ dbt.type_string() }}) as module,
        cast(
            coalesce(active_module_counts.tenants_active_module, 0)
            as {{ dbt.type_bigint() }}
        ) as tenants_active_module,
        cast(
            coalesce(paying_counts.paying_tenants, 0)
            as {{ dbt.type_bigint() }}
        ) as paying_tenants,
        {{ safe_divide(
            'coalesce(active_module_counts.tenants_active_module, 0)',
            'paying_counts.paying_tenants') }} as activation_rate
    from calendar_modules
    left join active_module_counts
        on
            calendar_modules.date_day = active_module_counts.date_day
            and calendar_modules.module = active_module_counts.module
    left join paying_counts
        on calendar_modules.date_day = paying_counts.date_day
)

select * from final
