-- One row per tenant with the time of each activation_funnel step
-- (kpis.md): signup and the first successful binding, inbound message,
-- human reply, template use and AI generation. The conversion metrics of
-- the semantic layer read it. The rule of each step is
-- int_tenant_funnel_steps, which activation_funnel reads too.
with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

funnel_steps as (
    select * from {{ ref('int_tenant_funnel_steps') }}
),

pivoted as (
    select
        tenant_id,
        max(case when step_order = 2 then reached_at end) as first_binding_at,
        max(case when step_order = 3 then reached_at end) as first_inbound_at,
        max(case when step_order = 4 then reached_at end)
            as first_human_reply_at,
        max(case when step_order = 5 then reached_at end)
            as first_template_use_at,
        max(case when step_order = 6 then reached_at end)
            as first_ai_generation_at
    from funnel_steps
    group by tenant_id
),

final as (
    select
        tenants.tenant_id,
        tenants.created_at as signed_up_at,
        pivoted.first_binding_at,
        pivoted.first_inbound_at,
        pivoted.first_human_reply_at,
        pivoted.first_template_use_at,
        pivoted.first_ai_generation_at
    from tenants
    left join pivoted
        on tenants.tenant_id = pivoted.tenant_id
)

select * from final
