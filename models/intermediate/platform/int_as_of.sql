-- One row: the data's "now". as_of is the latest valid event time of all
-- logs (kpis.md), not the wall clock, so rebuilding old data gives the
-- same answer. Sync and import rows count by started_at; cdn_log has no
-- time and is not in the event sources.
with

events as (
    select * from {{ ref('int_events_unioned') }}
),

final as (
    select
        cast(max(occurred_at) as date) as as_of_date_utc,
        cast(min(occurred_at) as date) as first_event_date_utc,
        max(occurred_at) as as_of_at,
        min(occurred_at) as first_event_at
    from events
)

select * from final
