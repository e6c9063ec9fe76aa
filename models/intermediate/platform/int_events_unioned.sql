-- Every valid row of every event log (the logs of event_sources(), cdn_log
-- aside) in one envelope, with its JSON details: the one union of the
-- event models. fct_events (the public mart: this plus the tenant-local
-- date), int_as_of (the data's "now") and int_activities_unioned (the rows
-- that are activity) read it; none of them unions the logs again.
with

events as (
    {{ union_event_sources() }}
),

final as (
    select
        event_id,
        tenant_id,
        brand_id,
        user_id,
        source_table,
        module,
        event_type,
        occurred_at,
        details,
        loaded_at,
        is_activity
    from events
)

select * from final
