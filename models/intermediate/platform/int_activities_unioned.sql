-- One row per activity point (kpis.md "Activity"): a user's own actions,
-- the rows of int_events_unioned flagged is_activity (the logs and filters
-- of event_sources(), as fct_events), so activity_id always equals
-- fct_events.event_id.
with

activities as (
    select * from {{ ref('int_events_unioned') }}
    where is_activity
),

tenants as (
    select
        tenant_id,
        timezone
    from {{ ref('stg_app__tenants') }}
),

final as (
    select
        activities.event_id as activity_id,
        activities.tenant_id,
        activities.user_id,
        activities.source_table,
        activities.occurred_at,
        -- tenant-local date; a row with no tenant falls back to UTC
        {{ to_local_date('activities.occurred_at', 'tenants.timezone') }}
            as activity_date,
        cast(activities.occurred_at as date) as activity_date_utc
    from activities
    left join tenants
        on activities.tenant_id = tenants.tenant_id
)

select * from final
