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
    {{ kpi_training_pairs('points', 'points', 'kpis') }}
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
