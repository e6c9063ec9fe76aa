-- One row per valid template_log row, with the template's scope and the
-- acting tenant's local date.
with

template_events as (
    select * from {{ ref('stg_events__template_events') }}
),

templates as (
    select * from {{ ref('dim_templates') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        template_events.event_id,
        -- The using tenant, not the template's owner: brand templates
        -- have no tenant of their own.
        template_events.tenant_id,
        template_events.user_id,
        template_events.template_id,
        template_events.action,
        template_events.occurred_at,
        {{ to_local_date('template_events.occurred_at', 'tenants.timezone') }}
            as activity_date,
        templates.scope,
        templates.brand_id,
        templates.tenant_id as template_tenant_id
    from template_events
    -- Left joins: an id found nowhere in templates is valid (raw
    -- contract), the action stays with a null scope.
    left join templates
        on template_events.template_id = templates.template_id
    left join tenants
        on template_events.tenant_id = tenants.tenant_id
)

select * from final
