-- The KPIs that anomaly detection watches, and how each is judged:
-- kpi_kind 'volume' (a daily count, zero on quiet days), 'mean' (a ratio
-- judged like a volume, against the median of past values) or 'rate' (a
-- proportion judged against the pooled past rate). adverse_direction is
-- the direction that hurts; min_denominator makes a ratio scorable;
-- min_scale is the smallest deviation unit, on the scoring scale (so that
-- a flat history does not turn every wobble into an anomaly). Volumes are
-- scored on a square-root scale (counts: variance grows with the mean),
-- means on a log scale (daily means of skewed durations), rates as they
-- are. A volume's floor is the Poisson one (0.5 on the sqrt scale) times
-- the square root of a typical unit (ai_tokens: ~550 tokens/generation).
-- Training windows: volumes and means are seasonal (the same weekday in
-- the previous `anomaly_training_weeks` weeks: seasonal_period 7); rates
-- pool every day of the previous 28 (seasonal_period 1), as proportions
-- barely move with the weekday and are too sparse per weekday.
with

kpis as (
    select
        'message_volume' as kpi,
        'volume' as kpi_kind,
        'down' as adverse_direction,
        cast(0 as {{ type_double() }}) as min_denominator,
        cast(0.75 as {{ type_double() }}) as min_scale,
        7 as seasonal_period,
        {{ 7 * var('anomaly_training_weeks', 8) }} as training_span_days
    union all
    select
        'response_time' as kpi,
        'mean' as kpi_kind,
        'up' as adverse_direction,
        cast(3 as {{ type_double() }}) as min_denominator,
        cast(0.5 as {{ type_double() }}) as min_scale,
        7 as seasonal_period,
        {{ 7 * var('anomaly_training_weeks', 8) }} as training_span_days
    union all
    select
        'sla_compliance' as kpi,
        'rate' as kpi_kind,
        'down' as adverse_direction,
        cast(5 as {{ type_double() }}) as min_denominator,
        cast(0.03 as {{ type_double() }}) as min_scale,
        1 as seasonal_period,
        28 as training_span_days
    union all
    select
        'delivery_rate' as kpi,
        'rate' as kpi_kind,
        'down' as adverse_direction,
        cast(5 as {{ type_double() }}) as min_denominator,
        cast(0.03 as {{ type_double() }}) as min_scale,
        1 as seasonal_period,
        28 as training_span_days
    union all
    select
        'binding_failure_rate' as kpi,
        'rate' as kpi_kind,
        'up' as adverse_direction,
        cast(2 as {{ type_double() }}) as min_denominator,
        cast(0.03 as {{ type_double() }}) as min_scale,
        1 as seasonal_period,
        28 as training_span_days
    union all
    select
        'ai_tokens' as kpi,
        'volume' as kpi_kind,
        'up' as adverse_direction,
        cast(0 as {{ type_double() }}) as min_denominator,
        cast(12 as {{ type_double() }}) as min_scale,
        7 as seasonal_period,
        {{ 7 * var('anomaly_training_weeks', 8) }} as training_span_days
)

select * from kpis
