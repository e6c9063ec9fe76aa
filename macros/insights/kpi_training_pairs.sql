{#- The (judged point, training point) pairs of anomaly detection, the body
    of the training_pairs CTE of both passes (int_kpi_points_prescreened,
    kpi_anomalies): each scorable judged point with every scorable training
    point of the same tenant and KPI that lies before it, within the KPI's
    training span and a whole number of seasonal periods back (the same
    weekday for seasonal KPIs; every day for rates). Arguments: points, the
    judged points; training, the candidate training points (the second
    pass passes the points the first did not flag); kpis, the KPI list
    (int_insight_kpis_listed). Columns: tenant_id, kpi, activity_date (of
    the judged point), train_value, train_numerator, train_denominator. -#}
{% macro kpi_training_pairs(points, training, kpis) -%}
    select
        judged.tenant_id,
        judged.kpi,
        judged.activity_date,
        training.score_value as train_value,
        training.numerator as train_numerator,
        training.denominator as train_denominator
    from {{ points }} as judged
    inner join {{ kpis }} as kpis
        on judged.kpi = kpis.kpi
    inner join {{ training }} as training
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
{%- endmacro %}
