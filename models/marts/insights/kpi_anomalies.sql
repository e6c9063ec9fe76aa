-- Anomalies in the key daily KPIs of each tenant (message volume, response
-- time, SLA compliance, notification delivery rate, binding failure rate,
-- AI tokens). One row per judged point: a tenant-local day whose KPI is
-- scorable and has at least `anomaly_min_training_days` training points.
-- Training = the same weekday in the previous `anomaly_training_weeks`
-- weeks (rates: every day of the previous 28), never the judged day, and
-- never a point the first pass (int_kpi_points_prescreened) flagged. See
-- the macro kpi_anomaly_score for the score; |score| >=
-- `anomaly_threshold` is an anomaly.
{%- set min_days = var('anomaly_min_training_days', 4) %}
{%- set threshold = var('anomaly_threshold', 4.0) %}
with

points as (
    select * from {{ ref('int_kpi_points_unioned') }}
),

prescreened as (
    select * from {{ ref('int_kpi_points_prescreened') }}
),

kpis as (
    select * from {{ ref('int_insight_kpis_listed') }}
),

training_points as (
    select points.*
    from points
    left join prescreened
        on
            points.tenant_id = prescreened.tenant_id
            and points.kpi = prescreened.kpi
            and points.activity_date = prescreened.activity_date
    where
        points.is_scorable
        and not coalesce(prescreened.is_flagged, false)
),

training_pairs as (
    {{ kpi_training_pairs('points', 'training_points', 'kpis') }}
),

{{ kpi_centres_and_spreads('training_pairs') }},

scored as (
    {{ kpi_anomaly_score('points', 'centres', 'spreads', 'kpis') }}
),

judged as (
    select
        *,
        abs(anomaly_score) >= {{ threshold }} as is_anomaly,
        case
            when anomaly_score > 0 then 'up'
            when anomaly_score < 0 then 'down'
            else 'none'
        end as direction
    from scored
    where training_days >= {{ min_days }}
),

final as (
    select
        tenant_id,
        activity_date,
        kpi,
        kpi_kind,
        cast(kpi_value as {{ type_double() }}) as kpi_value,
        cast(numerator as {{ type_double() }}) as numerator,
        cast(denominator as {{ type_double() }}) as denominator,
        cast(training_days as {{ dbt.type_bigint() }}) as training_days,
        cast(baseline as {{ type_double() }}) as baseline,
        cast(deviation_unit as {{ type_double() }}) as deviation_unit,
        cast(anomaly_score as {{ type_double() }}) as anomaly_score,
        direction,
        is_anomaly,
        is_anomaly and direction = adverse_direction as is_adverse,
        case
            when not is_anomaly then 'none'
            when abs(anomaly_score) >= {{ 2.5 * threshold }} then 'high'
            when abs(anomaly_score) >= {{ 1.5 * threshold }} then 'medium'
            else 'low'
        end as severity
    from judged
)

select * from final
