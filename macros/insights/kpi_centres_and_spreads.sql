{#- The robust centre and spread of each judged KPI point's training
    window, as two CTEs for the caller's with clause (used by both passes
    of anomaly detection: int_kpi_points_prescreened, kpi_anomalies), the
    input of kpi_anomaly_score. Argument: training_pairs, the CTE name of
    the (judged point, training point) pairs: tenant_id, kpi,
    activity_date (of the judged point), train_value (the training
    point's score_value), train_numerator, train_denominator.
    - centres: per judged point, training_days (count of pairs),
      train_median (median of train_value), train_numerator and
      train_denominator (sums: the pooled rate of rate KPIs);
    - spreads: per judged point, train_mad (median absolute deviation of
      train_value from train_median). -#}
{% macro kpi_centres_and_spreads(training_pairs) -%}
centres as (
    select
        tenant_id,
        kpi,
        activity_date,
        count(*) as training_days,
        {{ median('train_value') }} as train_median,
        sum(train_numerator) as train_numerator,
        sum(train_denominator) as train_denominator
    from {{ training_pairs }}
    group by tenant_id, kpi, activity_date
),

spreads as (
    select
        centres.tenant_id,
        centres.kpi,
        centres.activity_date,
        {{ median('abs(' ~ training_pairs ~ '.train_value'
            ~ ' - centres.train_median)') }}
            as train_mad
    from centres
    inner join {{ training_pairs }}
        on
            centres.tenant_id = {{ training_pairs }}.tenant_id
            and centres.kpi = {{ training_pairs }}.kpi
            and centres.activity_date = {{ training_pairs }}.activity_date
    group by centres.tenant_id, centres.kpi, centres.activity_date
)
{%- endmacro %}
