-- First pass of anomaly detection: every scorable KPI point judged against
-- its baseline (seasonal: the same weekday in the previous
-- `anomaly_training_weeks` weeks; rates: every day of the previous 28;
-- the judged day itself never included),
-- with every past point allowed in the training window. Points flagged
-- here are left out of the training windows of the second pass
-- (kpi_anomalies), a two-pass approximation of "training excludes earlier
-- anomalies" that plain SQL can do without recursion.
{%- set min_days = var('anomaly_min_training_days', 4) %}
{%- set threshold = var('anomaly_threshold', 4.0) %}
with

points as (
    select * from {{ ref('int_kpi_points_unioned') }}
),

kpis as (
    select * from {{ ref('int_insight_kpis_listed') }}
),

training_pairs as (
    select
        judged.tenant_id,
        judged.kpi,
        judged.activity_date,
        training.score_value as train_value,
        training.numerator as train_numerator,
        training.denominator as train_denominator
    from points as judged
    inner join kpis
        on judged.kpi = kpis.kpi
    inner join points as training
        on
            judged.tenant_id = training.tenant_id
            and judged.kpi = training.kpi
            and judged.day_number > training.day_number
            and judged.day_number - training.day_number
            <= kpis.training_span_days
            and mod(
                judged.day_number - training.day_number, kpis.seasonal_period
            ) = 0
    where judged.is_scorable and training.is_scorable
),

{{ kpi_centres_and_spreads('training_pairs') }},

scored as (
    {{ kpi_anomaly_score('points', 'centres', 'spreads', 'kpis') }}
),

final as (
    select
        tenant_id,
        kpi,
        activity_date,
        anomaly_score,
        coalesce(
            training_days >= {{ min_days }}
            and abs(anomaly_score) >= {{ threshold }},
            false
        ) as is_flagged
    from scored
)

select * from final
