-- Churn risk per tenant and scoring date (the current score has
-- is_latest = true): a score in [0, 1], the weighted sum of five factors
-- in [0, 1], each explained by its own column, and the three largest
-- contributions named. Everything comes from
-- int_tenant_churn_features_windowed, which reads only rows dated before
-- the scoring date. Weights are fixed by hand (vars churn_weight_*), not
-- fitted to churn outcomes; `retail-saas insights-eval` backtests them.
{%- set weights = {
    'activity_decline': var('churn_weight_activity_decline', 0.4),
    'low_seat_use': var('churn_weight_low_seat_use', 0.1),
    'sync_failures': var('churn_weight_sync_failures', 0.15),
    'sla_decline': var('churn_weight_sla_decline', 0.15),
    'subscription_signal': var('churn_weight_subscription_signal', 0.2),
} %}
with

features as (
    select * from {{ ref('int_tenant_churn_features_windowed') }}
),

latest_date as (
    select max(scoring_date) as scoring_date
    from features
),

rates as (
    select
        *,
        -- activity per day, recent 14 days vs the 28 before (shorter when
        -- the tenant is younger); +3 points of smoothing on both sides
        case
            when tenant_age_days < 21 then null
            else
                (cast(activity_14d as {{ type_double() }}) + 3)
                / (
                    cast(activity_prior_28d as {{ type_double() }})
                    * 14
                    / case
                        when tenant_age_days >= 42 then 28
                        else tenant_age_days - 14
                    end
                    + 3
                )
        end as activity_ratio,
        {{ safe_divide('active_users_14d', 'seats') }} as seat_use_rate,
        cast(failed_syncs_28d as {{ type_double() }})
        / (syncs_28d + 2) as sync_failure_rate,
        case
            when sla_due_14d >= 5 and sla_due_prior_28d >= 5
                then
                    {{ safe_divide('sla_met_prior_28d', 'sla_due_prior_28d') }}
                    - {{ safe_divide('sla_met_14d', 'sla_due_14d') }}
        end as sla_compliance_drop
    from features
),

factors as (
    select
        *,
        greatest(least(1 - coalesce(activity_ratio, 1), 1), 0)
            as factor_activity_decline,
        case
            when seats = 0 then 0
            else greatest(least(1 - seat_use_rate, 1), 0)
        end as factor_low_seat_use,
        least(sync_failure_rate * 2, 1) as factor_sync_failures,
        greatest(least(coalesce(sla_compliance_drop, 0) * 2, 1), 0)
            as factor_sla_decline,
        case
            when latest_subscription_action = 'trial_started' then 1
            when downgrades_30d > 0 then 0.5
            else 0
        end as factor_subscription_signal
    from rates
),

contributions as (
    select
        *,
        {{ weighted_contributions(weights) }}
    from factors
),

top_factors as (
    {{ top_weighted_factors(
        'contributions', ['tenant_id', 'scoring_date'], weights,
        tie_break='name') }}
),

final as (
    select
        contributions.tenant_id,
        contributions.scoring_date,
        contributions.scoring_date = latest_date.scoring_date as is_latest,
        cast(contributions.raw_score as {{ type_double() }})
            as churn_risk_score,
        {{ risk_band('contributions.raw_score') }} as risk_band,
        top_factors.top_factor_1,
        top_factors.top_factor_2,
        top_factors.top_factor_3,
        {% for name in weights -%}
            cast(contributions.factor_{{ name }} as {{ type_double() }})
                as factor_{{ name }},
            cast(contributions.contribution_{{ name }} as {{ type_double() }})
                as contribution_{{ name }},
        {% endfor -%}
        cast(contributions.tenant_age_days as {{ dbt.type_bigint() }})
            as tenant_age_days,
        contributions.latest_subscription_action,
        cast(contributions.activity_14d as {{ dbt.type_bigint() }})
            as activity_14d,
        cast(contributions.activity_prior_28d as {{ dbt.type_bigint() }})
            as activity_prior_28d,
        cast(contributions.activity_ratio as {{ type_double() }})
            as activity_ratio,
        cast(contributions.active_users_14d as {{ dbt.type_bigint() }})
            as active_users_14d,
        cast(contributions.seats as {{ dbt.type_bigint() }}) as seats,
        cast(contributions.seat_use_rate as {{ type_double() }})
            as seat_use_rate,
        cast(contributions.syncs_28d as {{ dbt.type_bigint() }}) as syncs_28d,
        cast(contributions.failed_syncs_28d as {{ dbt.type_bigint() }})
            as failed_syncs_28d,
        cast(contributions.sla_compliance_drop as {{ type_double() }})
            as sla_compliance_drop,
        cast(contributions.downgrades_30d as {{ dbt.type_bigint() }})
            as downgrades_30d
    from contributions
    cross join latest_date
    left join top_factors
        on
            contributions.tenant_id = top_factors.tenant_id
            and contributions.scoring_date = top_factors.scoring_date
)

select * from final
