-- Contact churn features per cut-off date and contact, each from rows dated
-- strictly before the cut-off (no leakage: a feature as of D reads nothing
-- at or after 00:00 UTC of D; a reply sent at or after D does not count as
-- a reply yet). Population: contacts with an inbound message in the 56
-- days before the cut-off (the "active" contacts of docs/decisions.md,
-- "Contact churn"). Recent window = the 28 days before the cut-off, prior
-- window = the 28 before those.
with

cutoffs as (
    select * from {{ ref('int_insight_cutoffs_listed') }}
),

inbound as (
    select
        message_id,
        tenant_id,
        conversation_id,
        contact_id,
        received_at,
        first_replied_at
    from {{ ref('int_messages_first_replied') }}
    where contact_id is not null
),

automations as (
    select
        tenant_id,
        contact_id,
        status,
        occurred_at
    from {{ ref('stg_events__automation_events') }}
    where contact_id is not null
),

grades as (
    select * from {{ ref('contact_grades') }}
),

contact_events as (
    select
        contact_events.tenant_id,
        contact_events.contact_id,
        contact_events.action,
        contact_events.occurred_at,
        coalesce(new_grades.grade_rank < old_grades.grade_rank, false)
            as is_downgrade
    from {{ ref('stg_events__contact_events') }} as contact_events
    left join grades as old_grades
        on contact_events.old_grade = old_grades.grade
    left join grades as new_grades
        on contact_events.new_grade = new_grades.grade
),

inbound_windowed as (
    select
        cutoffs.cutoff_date,
        cutoffs.cutoff_at,
        inbound.tenant_id,
        inbound.contact_id,
        inbound.conversation_id,
        inbound.received_at,
        inbound.received_at >= {{
            dbt.dateadd('day', -28, 'cutoffs.cutoff_at') }} as is_recent,
        -- a reply is known at the cut-off only if it was sent before it
        case
            when inbound.first_replied_at < cutoffs.cutoff_at
                then cast({{ seconds_between('inbound.received_at',
                    'inbound.first_replied_at') }} as {{ dbt.type_bigint() }})
        end as reply_seconds,
        -- answerable: a day passed before the cut-off to answer it
        inbound.received_at < {{ dbt.dateadd('day', -1, 'cutoffs.cutoff_at') }}
            as is_answerable
    from cutoffs
    inner join inbound
        on
            cutoffs.cutoff_at > inbound.received_at
            and inbound.received_at >= {{
                dbt.dateadd('day', -56, 'cutoffs.cutoff_at') }}
),

inbound_features as (
    select
        cutoff_date,
        cutoff_at,
        tenant_id,
        contact_id,
        max(received_at) as last_inbound_at,
        sum(case when is_recent then 1 else 0 end) as inbound_28d,
        sum(case when is_recent then 0 else 1 end) as inbound_prior_28d,
        count(distinct conversation_id) as conversations_56d,
        sum(
            case when is_recent and is_answerable then 1 else 0 end
        ) as answerable_28d,
        sum(
            case
                when is_recent and is_answerable and reply_seconds is null
                    then 1
                else 0
            end
        ) as unanswered_28d,
        sum(
            case when is_recent then reply_seconds end
        ) as reply_seconds_sum_28d,
        count(case when is_recent then reply_seconds end) as replies_28d,
        sum(
            case when not is_recent then reply_seconds end
        ) as reply_seconds_sum_prior_28d,
        count(
            case when not is_recent then reply_seconds end
        ) as replies_prior_28d
    from inbound_windowed
    group by cutoff_date, cutoff_at, tenant_id, contact_id
),

automation_features as (
    select
        inbound_features.cutoff_date,
        inbound_features.tenant_id,
        inbound_features.contact_id,
        sum(
            case when automations.status = 'triggered' then 1 else 0 end
        ) as automations_28d,
        sum(
            case
                when automations.status in ('failed', 'skipped') then 1 else 0
            end
        ) as automations_not_sent_28d
    from inbound_features
    inner join automations
        on
            inbound_features.tenant_id = automations.tenant_id
            and inbound_features.contact_id = automations.contact_id
            and inbound_features.cutoff_at > automations.occurred_at
            and automations.occurred_at >= {{
                dbt.dateadd('day', -28, 'inbound_features.cutoff_at') }}
    group by
        inbound_features.cutoff_date,
        inbound_features.tenant_id,
        inbound_features.contact_id
),

crm_features as (
    select
        inbound_features.cutoff_date,
        inbound_features.tenant_id,
        inbound_features.contact_id,
        sum(
            case when contact_events.is_downgrade then 1 else 0 end
        ) as grade_downgrades_56d,
        sum(
            case when contact_events.action = 'segment_remove' then 1 else 0 end
        ) as segment_removals_56d
    from inbound_features
    inner join contact_events
        on
            inbound_features.tenant_id = contact_events.tenant_id
            and inbound_features.contact_id = contact_events.contact_id
            and inbound_features.cutoff_at > contact_events.occurred_at
            and contact_events.occurred_at >= {{
                dbt.dateadd('day', -56, 'inbound_features.cutoff_at') }}
    group by
        inbound_features.cutoff_date,
        inbound_features.tenant_id,
        inbound_features.contact_id
),

final as (
    select
        inbound_features.tenant_id,
        inbound_features.contact_id,
        inbound_features.cutoff_date as scored_on,
        inbound_features.last_inbound_at,
        {{ seconds_between('inbound_features.last_inbound_at',
            'inbound_features.cutoff_at') }} / 86400.0
            as days_since_last_inbound,
        inbound_features.inbound_28d,
        inbound_features.inbound_prior_28d,
        inbound_features.conversations_56d,
        inbound_features.answerable_28d,
        inbound_features.unanswered_28d,
        inbound_features.replies_28d,
        inbound_features.replies_prior_28d,
        {{ safe_divide('inbound_features.reply_seconds_sum_28d',
            'inbound_features.replies_28d') }} as avg_reply_seconds_28d,
        {{ safe_divide('inbound_features.reply_seconds_sum_prior_28d',
            'inbound_features.replies_prior_28d') }}
            as avg_reply_seconds_prior_28d,
        coalesce(automation_features.automations_28d, 0) as automations_28d,
        coalesce(automation_features.automations_not_sent_28d, 0)
            as automations_not_sent_28d,
        coalesce(crm_features.grade_downgrades_56d, 0) as grade_downgrades_56d,
        coalesce(crm_features.segment_removals_56d, 0) as segment_removals_56d
    from inbound_features
    left join automation_features
        on
            inbound_features.cutoff_date = automation_features.cutoff_date
            and inbound_features.tenant_id = automation_features.tenant_id
            and inbound_features.contact_id = automation_features.contact_id
    left join crm_features
        on
            inbound_features.cutoff_date = crm_features.cutoff_date
            and inbound_features.tenant_id = crm_features.tenant_id
            and inbound_features.contact_id = crm_features.contact_id
)

select * from final
