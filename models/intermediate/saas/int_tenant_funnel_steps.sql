-- The activation funnel's rule, in one place (kpis.md activation_funnel):
-- one row per tenant and step with the time of the tenant's first event of
-- that step (signup: the tenant's created_at), null when never reached.
-- Steps: 1 signup, 2 first successful binding, 3 first inbound message,
-- 4 first human reply (outbound, in_reply_to set, not automated), 5 first
-- template use, 6 first AI generation; they need not come in order.
-- activation_funnel aggregates it; tenant_milestones pivots it.
with

tenants as (
    select
        tenant_id,
        created_at
    from {{ ref('stg_app__tenants') }}
),

binding_attempts as (
    select
        tenant_id,
        occurred_at
    from {{ ref('stg_events__binding_attempts') }}
    where status = 'success'
),

messages as (
    select
        tenant_id,
        direction,
        in_reply_to_message_id,
        is_automated,
        occurred_at
    from {{ ref('stg_events__messages') }}
),

template_events as (
    select
        tenant_id,
        occurred_at
    from {{ ref('stg_events__template_events') }}
    where action = 'use'
),

ai_assist_events as (
    select
        tenant_id,
        occurred_at
    from {{ ref('stg_events__ai_assist_events') }}
    where action = 'generate'
),

steps as (
    select
        1 as step_order,
        'signup' as step_name
    union all
    select
        2 as step_order,
        'first_successful_binding' as step_name
    union all
    select
        3 as step_order,
        'first_inbound_message' as step_name
    union all
    select
        4 as step_order,
        'first_human_reply' as step_name
    union all
    select
        5 as step_order,
        'first_template_use' as step_name
    union all
    select
        6 as step_order,
        'first_ai_generation' as step_name
),

step_firsts as (
    -- the tenant's first event of each step (signup is the tenant row)
    select
        tenant_id,
        1 as step_order,
        min(created_at) as reached_at
    from tenants
    group by tenant_id
    union all
    select
        tenant_id,
        2 as step_order,
        min(occurred_at) as reached_at
    from binding_attempts
    group by tenant_id
    union all
    select
        tenant_id,
        3 as step_order,
        min(occurred_at) as reached_at
    from messages
    where direction = 'inbound'
    group by tenant_id
    union all
    select
        tenant_id,
        4 as step_order,
        min(occurred_at) as reached_at
    from messages
    where
        direction = 'outbound'
        and in_reply_to_message_id is not null
        and is_automated = false
    group by tenant_id
    union all
    select
        tenant_id,
        5 as step_order,
        min(occurred_at) as reached_at
    from template_events
    group by tenant_id
    union all
    select
        tenant_id,
        6 as step_order,
        min(occurred_at) as reached_at
    from ai_assist_events
    group by tenant_id
),

final as (
    -- every valid tenant, every step
    select
        tenants.tenant_id,
        cast(steps.step_order as {{ dbt.type_bigint() }}) as step_order,
        cast(steps.step_name as {{ dbt.type_string() }}) as step_name,
        step_firsts.reached_at
    from tenants
    cross join steps
    left join step_firsts
        on
            tenants.tenant_id = step_firsts.tenant_id
            and steps.step_order = step_firsts.step_order
)

select * from final
