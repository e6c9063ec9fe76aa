-- RFM-style segments of each tenant's contacts at every cut-off date (the
-- current one: is_current) and how they moved: recency of the last inbound
-- message, frequency of inbound messages in the 56 days before the date,
-- engagement with automations (sent to them in those 56 days). Only rows
-- dated before the segment date are read. Contacts that never wrote are
-- not segmented (nothing to segment them by).
with

cutoffs as (
    select * from {{ ref('int_insight_cutoffs_listed') }}
),

inbound as (
    select
        tenant_id,
        contact_id,
        occurred_at
    from {{ ref('stg_events__messages') }}
    where direction = 'inbound' and contact_id is not null
),

automations_sent as (
    select
        tenant_id,
        contact_id,
        occurred_at
    from {{ ref('stg_events__automation_events') }}
    where status = 'sent' and contact_id is not null
),

inbound_to_date as (
    select
        cutoffs.cutoff_date,
        cutoffs.cutoff_at,
        cutoffs.is_latest,
        inbound.tenant_id,
        inbound.contact_id,
        min(inbound.occurred_at) as first_inbound_at,
        max(inbound.occurred_at) as last_inbound_at,
        sum(
            case
                when inbound.occurred_at >= {{
                    dbt.dateadd('day', -56, 'cutoffs.cutoff_at') }}
                    then 1
                else 0
            end
        ) as inbound_56d
    from cutoffs
    inner join inbound
        on cutoffs.cutoff_at > inbound.occurred_at
    group by
        cutoffs.cutoff_date,
        cutoffs.cutoff_at,
        cutoffs.is_latest,
        inbound.tenant_id,
        inbound.contact_id
),

engagement as (
    select
        inbound_to_date.cutoff_date,
        inbound_to_date.tenant_id,
        inbound_to_date.contact_id,
        count(*) as automations_sent_56d
    from inbound_to_date
    inner join automations_sent
        on
            inbound_to_date.tenant_id = automations_sent.tenant_id
            and inbound_to_date.contact_id = automations_sent.contact_id
            and inbound_to_date.cutoff_at > automations_sent.occurred_at
            and automations_sent.occurred_at >= {{
                dbt.dateadd('day', -56, 'inbound_to_date.cutoff_at') }}
    group by
        inbound_to_date.cutoff_date,
        inbound_to_date.tenant_id,
        inbound_to_date.contact_id
),

scored as (
    select
        inbound_to_date.tenant_id,
        inbound_to_date.contact_id,
        inbound_to_date.cutoff_date as segment_date,
        inbound_to_date.is_latest as is_current,
        {{ dbt.datediff('inbound_to_date.last_inbound_at',
            'inbound_to_date.cutoff_at', 'day') }} as recency_days,
        inbound_to_date.inbound_56d,
        coalesce(engagement.automations_sent_56d, 0) as automations_sent_56d,
        inbound_to_date.first_inbound_at >= {{
            dbt.dateadd('day', -28, 'inbound_to_date.cutoff_at') }} as is_new
    from inbound_to_date
    left join engagement
        on
            inbound_to_date.cutoff_date = engagement.cutoff_date
            and inbound_to_date.tenant_id = engagement.tenant_id
            and inbound_to_date.contact_id = engagement.contact_id
),

banded as (
    select
        *,
        case
            when recency_days <= 7 then 3
            when recency_days <= 28 then 2
            else 1
        end as recency_score,
        case
            when inbound_56d >= 4 then 3
            when inbound_56d >= 2 then 2
            else 1
        end as frequency_score,
        case
            when automations_sent_56d >= 2 then 3
            when automations_sent_56d = 1 then 2
            else 1
        end as engagement_score
    from scored
),

segmented as (
    select
        *,
        case
            when recency_score = 3 and frequency_score = 3 then 'champion'
            when recency_score >= 2 and frequency_score = 3 then 'loyal'
            when is_new then 'new'
            when recency_score >= 2 then 'promising'
            when frequency_score >= 2 then 'at_risk'
            else 'hibernating'
        end as segment
    from banded
),

final as (
    select
        tenant_id,
        contact_id,
        segment_date,
        is_current,
        segment,
        lag(segment) over (
            partition by tenant_id, contact_id
            order by segment_date
        ) as previous_segment,
        {{ dbt.concat([
            "'R'", "cast(recency_score as " ~ dbt.type_string() ~ ")",
            "'F'", "cast(frequency_score as " ~ dbt.type_string() ~ ")",
            "'E'", "cast(engagement_score as " ~ dbt.type_string() ~ ")",
        ]) }}
            as rfm_code,
        cast(recency_days as {{ dbt.type_bigint() }}) as recency_days,
        cast(inbound_56d as {{ dbt.type_bigint() }}) as inbound_56d,
        cast(automations_sent_56d as {{ dbt.type_bigint() }})
            as automations_sent_56d,
        recency_score,
        frequency_score,
        engagement_score
    from segmented
)

select * from final
