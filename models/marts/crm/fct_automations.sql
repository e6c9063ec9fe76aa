-- One row per valid automation_log row (one status of one automated
-- message), each dated by its own event time.
with

automation_events as (
    select * from {{ ref('stg_events__automation_events') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        automation_events.event_id,
        automation_events.tenant_id,
        automation_events.automation_id,
        automation_events.trigger_type,
        automation_events.contact_id,
        automation_events.channel,
        automation_events.status,
        automation_events.occurred_at,
        {{ to_local_date(
            'automation_events.occurred_at', 'tenants.timezone'
        ) }} as activity_date
    from automation_events
    left join tenants
        on automation_events.tenant_id = tenants.tenant_id
)

select * from final
