-- Module activation at the latest day: paying tenants with each module
-- active, and the activation funnel (signup to first AI generation) of
-- all signup months together.
with

module_days as (
    select * from {{ ref('module_activation') }}
),

funnel_steps as (
    select * from {{ ref('activation_funnel') }}
),

latest_day as (
    select max(activity_date_utc) as max_date
    from module_days
),

modules_now as (
    select
        'module' as kind,
        module_days.module as step,
        cast(null as {{ dbt.type_bigint() }}) as step_order,
        module_days.tenants_active_module as tenants,
        module_days.activation_rate as rate
    from module_days
    inner join latest_day
        on module_days.activity_date_utc = latest_day.max_date
),

funnel_totals as (
    select
        'funnel' as kind,
        step_name as step,
        step_order,
        sum(tenants_reached) as tenants,
        {{ safe_divide('sum(tenants_reached)',
                       'sum(tenants_reached_previous)') }} as rate
    from funnel_steps
    group by step_name, step_order
),

final as (
    select * from modules_now
    union all
    select * from funnel_totals
)

select * from final
order by kind asc, step_order asc, tenants desc, step asc
