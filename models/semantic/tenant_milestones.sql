-- One row per tenant with the time of each activation_funnel step
-- (kpis.md): signup and the first successful binding, inbound message,
-- human reply, template use and AI generation. The conversion metrics of
-- the semantic layer read it; activation_funnel stays the reference.
with

tenants as (
    select * from {{ ref('dim_tenants') }}
),

binding_attempts as (
    select * from {{ ref('fct_binding_attempts') }}
),

messages as (
    select * from {{ ref('fct_messages') }}
),

template_actions as (
    select * from {{ ref('fct_template_actions') }}
),

generations as (
    select * from {{ ref('fct_ai_generations') }}
),

first_bindings as (
    select
        tenant_id,
        min(occurred_at) as first_binding_at
    from binding_attempts
    where is_success
    group by tenant_id
),

first_inbounds as (
    select
        tenant_id,
        min(occurred_at) as first_inbound_at
    from messages
    where direction = 'inbound'
    group by tenant_id
),

first_human_replies as (
    select
        tenant_id,
        min(occurred_at) as first_human_reply_at
    from messages
    where
        direction = 'outbound'
        and in_reply_to_message_id is not null
        and not is_automated
    group by tenant_id
),

first_template_uses as (
    select
        tenant_id,
        min(occurred_at) as first_template_use_at
    from template_actions
    where action = 'use'
    group by tenant_id
),

first_generations as (
    select
        tenant_id,
        min(generated_at) as first_ai_generation_at
    from generations
    group by tenant_id
),

final as (
    select
        tenants.tenant_id,
        tenants.created_at as signed_up_at,
        first_bindings.first_binding_at,
        first_inbounds.first_inbound_at,
        first_human_replies.first_human_reply_at,
        first_template_uses.first_template_use_at,
        first_generations.first_ai_generation_at
    from tenants
    left join first_bindings
        on tenants.tenant_id = first_bindings.tenant_id
    left join first_inbounds
        on tenants.tenant_id = first_inbounds.tenant_id
    left join first_human_replies
        on tenants.tenant_id = first_human_replies.tenant_id
    left join first_template_uses
        on tenants.tenant_id = first_template_uses.tenant_id
    left join first_generations
        on tenants.tenant_id = first_generations.tenant_id
)

select * from final
