-- Every valid row of every event log (the logs of event_sources(), cdn_log
-- aside) in the light envelope, without details: the one union of the
-- event models. int_as_of (the data's "now"), int_activities_unioned (the
-- rows that are activity) and fct_events' incremental change detection
-- read it; fct_events builds the JSON details of the rows it writes from
-- the logs themselves (only the changed ones on an incremental run).
with

events as (
    {{ union_event_sources(with_details=false, with_activity=true) }}
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
        loaded_at,
        is_activity
    from events
)

select * from final
