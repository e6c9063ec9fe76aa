{#- The score of KPI points against their training windows (used by both
    passes of anomaly detection: int_kpi_points_prescreened, kpi_anomalies).
    Arguments are CTE names: points (int_kpi_points_unioned rows), centres
    (per point: training_days, train_median, train_numerator,
    train_denominator), spreads (per point: train_mad) and kpis
    (int_insight_kpis_listed).
    - rate KPIs: baseline = pooled training rate; deviation unit = its
      binomial standard error at the judged day's denominator (rate
      smoothed (num + 1) / (den + 2) so that 0 and 1 still vary);
    - volume and mean KPIs, on their scoring scale (score_value: sqrt of a
      volume, ln(1 + x) of a mean): centre = training median; deviation
      unit = 1.4826 * MAD (the robust standard deviation), floored by the
      KPI's min_scale; `baseline` is the centre back on the KPI's own scale.
    anomaly_score = (score_value - centre) / unit: positive = up. -#}
{% macro kpi_anomaly_score(points, centres, spreads, kpis) -%}
    select
        judged.*,
        (judged.score_value - judged.centre)
        / judged.deviation_unit as anomaly_score
    from (
        select
            {{ points }}.tenant_id,
            {{ points }}.kpi,
            {{ kpis }}.kpi_kind,
            {{ kpis }}.adverse_direction,
            {{ points }}.activity_date,
            {{ points }}.kpi_value,
            {{ points }}.score_value,
            {{ points }}.numerator,
            {{ points }}.denominator,
            {{ centres }}.training_days,
            case
                when {{ kpis }}.kpi_kind = 'rate'
                    then {{ safe_divide(centres ~ '.train_numerator',
                        centres ~ '.train_denominator') }}
                else {{ centres }}.train_median
            end as centre,
            case
                when {{ kpis }}.kpi_kind = 'rate'
                    then {{ safe_divide(centres ~ '.train_numerator',
                        centres ~ '.train_denominator') }}
                when {{ kpis }}.kpi_kind = 'volume'
                    then {{ centres }}.train_median * {{ centres }}.train_median
                else exp({{ centres }}.train_median) - 1
            end as baseline,
            case
                when {{ kpis }}.kpi_kind = 'rate'
                    then greatest(
                        sqrt(
                            (({{ centres }}.train_numerator + 1)
                            / ({{ centres }}.train_denominator + 2))
                            * (1 - ({{ centres }}.train_numerator + 1)
                            / ({{ centres }}.train_denominator + 2))
                            / {{ points }}.denominator
                        ),
                        {{ kpis }}.min_scale
                    )
                else greatest(
                    1.4826 * {{ spreads }}.train_mad,
                    {{ kpis }}.min_scale
                )
            end as deviation_unit
        from {{ points }}
        inner join {{ kpis }}
            on {{ points }}.kpi = {{ kpis }}.kpi
        inner join {{ centres }}
            on
                {{ points }}.tenant_id = {{ centres }}.tenant_id
                and {{ points }}.kpi = {{ centres }}.kpi
                and {{ points }}.activity_date = {{ centres }}.activity_date
        inner join {{ spreads }}
            on
                {{ centres }}.tenant_id = {{ spreads }}.tenant_id
                and {{ centres }}.kpi = {{ spreads }}.kpi
                and {{ centres }}.activity_date = {{ spreads }}.activity_date
        where {{ points }}.is_scorable
    ) as judged
{%- endmacro %}
