-- One row per valid contact_log row, with grade changes classified as
-- upgrades or downgrades along the seed contact_grades order.
with

contact_events as (
    select * from {{ ref('stg_events__contact_events') }}
),

contact_grades as (
    select * from {{ ref('contact_grades') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

ranked as (
    select
        contact_events.event_id,
        contact_events.tenant_id,
        contact_events.contact_id,
        contact_events.user_id,
        contact_events.action,
        contact_events.source,
        contact_events.segment_id,
        contact_events.old_grade,
        contact_events.new_grade,
        cast(old_grades.grade_rank as bigint) as old_grade_rank,
        cast(new_grades.grade_rank as bigint) as new_grade_rank,
        contact_events.occurred_at,
        {{ to_local_date('contact_events.occurred_at', 'tenants.timezone') }}
            as activity_date
    from contact_events
    left join contact_grades as old_grades
        on contact_events.old_grade = old_grades.grade
    left join contact_grades as new_grades
        on contact_events.new_grade = new_grades.grade
    left join tenants
        on contact_events.tenant_id = tenants.tenant_id
),

final as (
    select
        event_id,
        tenant_id,
        contact_id,
        user_id,
        action,
        source,
        segment_id,
        old_grade,
        new_grade,
        old_grade_rank,
        new_grade_rank,
        occurred_at,
        activity_date,
        -- A null grade on either side has no rank, so the comparison is
        -- null and the change is neither an upgrade nor a downgrade.
        coalesce(
            action = 'grade_change' and new_grade_rank > old_grade_rank,
            false
        ) as is_grade_upgrade,
        coalesce(
            action = 'grade_change' and new_grade_rank < old_grade_rank,
            false
        ) as is_grade_downgrade
    from ranked
)

select * from final
