-- Churn risk of each active contact of a tenant, per cut-off date (the
-- current score: is_latest). risk_score in [0, 1] is a weighted sum of
-- factors in [0, 1]; the weights (vars contact_churn_weight_*) are set by
-- hand, not fitted to outcomes, and `retail-saas insights-eval` backtests
-- the score against a recency-only baseline. Every input is dated before
-- scored_on (int_contact_churn_features_windowed).
{%- set weights = {
    'recent_silence': var('contact_churn_weight_recent_silence', 0.3),
    'low_frequency': var('contact_churn_weight_low_frequency', 0.3),
    'inbound_decline': var('contact_churn_weight_inbound_decline', 0.1),
    'long_silence': var('contact_churn_weight_long_silence', 0.05),
    'unanswered': var('contact_churn_weight_unanswered', 0.1),
    'unanswered_messages': var('contact_churn_weight_unanswered_messages', 0.2),
    'slower_replies': var('contact_churn_weight_slower_replies', 0.05),
    'automations_failing': var('contact_churn_weight_automations_failing', 0.1),
    'crm_downgrade': var('contact_churn_weight_crm_downgrade', 0.05),
} %}
{%- set phrases = {
    'recent_silence': 'no message for weeks',
    'low_frequency': 'writes rarely',
    'inbound_decline': 'writes less than the month before',
    'long_silence': 'silent for longer than usual',
    'unanswered': 'most messages left unanswered',
    'unanswered_messages': 'several messages left unanswered',
    'slower_replies': 'answered more slowly than before',
    'automations_failing': 'automations to them fail or are skipped',
    'crm_downgrade': 'grade lowered or removed from a segment',
} %}
with

features as (
    select * from {{ ref('int_contact_churn_features_windowed') }}
),

cutoffs as (
    select * from {{ ref('int_insight_cutoffs_listed') }}
),

factors as (
    select
        *,
        least(days_since_last_inbound / 28, 1) as factor_recent_silence,
        -- chance of 21 quiet days at the contact's own pace (conversations
        -- started in 56 days)
        exp(-cast(conversations_56d as {{ type_double() }}) * 21 / 56)
            as factor_low_frequency,
        greatest(
            1 - (cast(inbound_28d as {{ type_double() }}) + 0.5)
            / (inbound_prior_28d + 0.5),
            0
        ) as factor_inbound_decline,
        -- days beyond the contact's usual gap (56 days / inbound messages)
        least(greatest(
            (
                days_since_last_inbound
                - 56.0 / conversations_56d
            ) / 28,
            0
        ), 1) as factor_long_silence,
        coalesce(
            {{ safe_divide('unanswered_28d', 'answerable_28d') }}, 0
        ) as factor_unanswered,
        least(cast(unanswered_28d as {{ type_double() }}) / 3, 1)
            as factor_unanswered_messages,
        case
            when avg_reply_seconds_28d > 0 and avg_reply_seconds_prior_28d > 0
                then least(greatest(
                    ln(avg_reply_seconds_28d / avg_reply_seconds_prior_28d)
                    / ln(8.0),
                    0
                ), 1)
            else 0
        end as factor_slower_replies,
        coalesce(
            least({{ safe_divide('automations_not_sent_28d',
                'automations_28d') }}, 1),
            0
        ) as factor_automations_failing,
        case
            when grade_downgrades_56d + segment_removals_56d > 0 then 1
            else 0
        end as factor_crm_downgrade
    from features
),

contributions as (
    -- normalized by the weights' sum: the score stays in [0, 1]
    select
        *,
        {{ weighted_contributions(weights, normalized=true) }}
    from factors
),

-- contributions under 0.02 are not worth naming
top_factors as (
    {{ top_weighted_factors(
        'contributions', ['tenant_id', 'contact_id', 'scored_on'], weights,
        labels=phrases, keep_when='contribution >= 0.02') }}
),

final as (
    select
        contributions.tenant_id,
        contributions.contact_id,
        contributions.scored_on,
        cutoffs.is_latest,
        cast(contributions.raw_score as {{ type_double() }}) as risk_score,
        {{ risk_band('contributions.raw_score') }} as risk_band,
        coalesce(
            {{ dbt.concat([
                'top_factors.top_factor_1',
                "coalesce(" ~ dbt.concat(["'; '", 'top_factors.top_factor_2']) ~ ", '')",
                "coalesce(" ~ dbt.concat(["'; '", 'top_factors.top_factor_3']) ~ ", '')",
            ]) }},
            'no warning sign'
        ) as top_factors,
        top_factors.top_factor_1,
        top_factors.top_factor_2,
        top_factors.top_factor_3,
        {% for name in weights -%}
            cast(contributions.factor_{{ name }} as {{ type_double() }})
                as factor_{{ name }},
        {% endfor -%}
        contributions.last_inbound_at,
        cast(contributions.days_since_last_inbound as {{ type_double() }})
            as days_since_last_inbound,
        cast(contributions.inbound_28d as {{ dbt.type_bigint() }})
            as inbound_28d,
        cast(contributions.inbound_prior_28d as {{ dbt.type_bigint() }})
            as inbound_prior_28d,
        cast(contributions.conversations_56d as {{ dbt.type_bigint() }})
            as conversations_56d,
        cast(contributions.unanswered_28d as {{ dbt.type_bigint() }})
            as unanswered_28d,
        cast(contributions.avg_reply_seconds_28d as {{ type_double() }})
            as avg_reply_seconds_28d,
        cast(contributions.avg_reply_seconds_prior_28d as {{ type_double() }})
            as avg_reply_seconds_prior_28d,
        cast(contributions.automations_28d as {{ dbt.type_bigint() }})
            as automations_28d,
        cast(contributions.automations_not_sent_28d as {{ dbt.type_bigint() }})
            as automations_not_sent_28d
    from contributions
    inner join cutoffs
        on contributions.scored_on = cutoffs.cutoff_date
    left join top_factors
        on
            contributions.tenant_id = top_factors.tenant_id
            and contributions.contact_id = top_factors.contact_id
            and contributions.scored_on = top_factors.scored_on
)

select * from final
