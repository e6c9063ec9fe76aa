-- kpis.md activation_funnel: per signup month (tenants.created_at, UTC),
-- how many tenants ever reached each of six steps, the conversion from the
-- previous step and the median hours from signup to the step's first event.
-- Steps need not come in order: a tenant reaches a step when it has the
-- event at any time.
with

tenants as (
    select
        tenant_id,
        created_at,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date)
            as signup_month
    from {{ ref('dim_tenants') }}
    where created_at is not null
),

-- the funnel's rule (each step's first event) is int_tenant_funnel_steps
funnel_steps as (
    select * from {{ ref('int_tenant_funnel_steps') }}
),

steps as (
    select distinct
        step_order,
        step_name
    from funnel_steps
),

step_firsts as (
    select
        tenant_id,
        step_order,
        reached_at
    from funnel_steps
    where reached_at is not null
),

tenant_steps as (
    select
        tenants.signup_month,
        tenants.tenant_id,
        step_firsts.step_order,
        {{ seconds_between('tenants.created_at', 'step_firsts.reached_at') }}
        / 3600.0 as hours_from_signup
    from step_firsts
    inner join tenants
        on step_firsts.tenant_id = tenants.tenant_id
),

reached as (
    select
        signup_month,
        step_order,
        count(distinct tenant_id) as tenants_reached,
        {{ median('hours_from_signup') }} as median_hours_from_signup
    from tenant_steps
    group by
        signup_month,
        step_order
),

signup_months as (
    select distinct signup_month
    from tenants
),

month_steps as (
    -- every step of every signup month, zero-reach steps included
    select
        signup_months.signup_month,
        steps.step_order,
        steps.step_name
    from signup_months
    cross join steps
),

month_steps_reached as (
    select
        month_steps.signup_month,
        month_steps.step_order,
        month_steps.step_name,
        reached.median_hours_from_signup,
        coalesce(reached.tenants_reached, 0) as tenants_reached
    from month_steps
    left join reached
        on
            month_steps.signup_month = reached.signup_month
            and month_steps.step_order = reached.step_order
),

with_previous as (
    select
        signup_month,
        step_order,
        step_name,
        tenants_reached,
        median_hours_from_signup,
        lag(tenants_reached) over (
            partition by signup_month
            order by step_order
        ) as tenants_reached_previous
    from month_steps_reached
),

final as (
    select
        signup_month,
        cast(step_order as {{ dbt.type_bigint() }}) as step_order,
        cast(step_name as {{ dbt.type_string() }}) as step_name,
        cast(tenants_reached as {{ dbt.type_bigint() }}) as tenants_reached,
        {{ safe_divide('tenants_reached', 'tenants_reached_previous') }}
            as conversion_from_previous,
        cast(median_hours_from_signup as {{ type_double() }})
            as median_hours_from_signup,
        cast(tenants_reached_previous as {{ dbt.type_bigint() }})
            as tenants_reached_previous
    from with_previous
)

select * from final
