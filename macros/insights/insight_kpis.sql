{#- The one list of KPIs that anomaly detection watches, behind
    int_insight_kpis_listed (how each is judged) and int_kpi_points_unioned
    (its daily points). One entry per KPI:
      kpi                 name.
      kpi_kind            'volume' (a daily count, zero on quiet days),
                          'mean' (a ratio judged like a volume, against the
                          median of past values) or 'rate' (a proportion
                          judged against the pooled past rate). Volumes
                          are scored on a square-root scale (counts:
                          variance grows with the mean), means on a log
                          scale (daily means of skewed durations), rates as
                          they are.
      adverse_direction   the direction that hurts ('up' or 'down').
      min_denominator     a ratio day is scorable only from this
                          denominator on (0 for volumes).
      min_scale           the smallest deviation unit, on the scoring scale
                          (so that a flat history does not turn every
                          wobble into an anomaly). A volume's floor is the
                          Poisson one (0.5 on the sqrt scale) times the
                          square root of a typical unit (ai_tokens: ~550
                          tokens/generation).
      seasonal_period     days between a judged day and its training days.
      training_span_days  how far back training days go.
      model               the daily mart the points come from.
      numerator           expression summed per tenant and tenant-local day.
      denominator         expression summed likewise (none for volumes); a
                          ratio has a point only where its sum is positive.
    Training windows: volumes and means are seasonal (the same weekday in
    the previous `anomaly_training_weeks` weeks: seasonal_period 7); rates
    pool every day of the previous 28 (seasonal_period 1), as proportions
    barely move with the weekday and are too sparse per weekday. -#}
{% macro insight_kpis() %}
    {%- set seasonal_span = 7 * var('anomaly_training_weeks', 8) -%}
    {{ return([
        {
            'kpi': 'message_volume',
            'kpi_kind': 'volume',
            'adverse_direction': 'down',
            'min_denominator': 0,
            'min_scale': 0.75,
            'seasonal_period': 7,
            'training_span_days': seasonal_span,
            'model': 'inbox_daily',
            'numerator': 'inbound + outbound',
            'denominator': none,
        },
        {
            'kpi': 'response_time',
            'kpi_kind': 'mean',
            'adverse_direction': 'up',
            'min_denominator': 3,
            'min_scale': 0.5,
            'seasonal_period': 7,
            'training_span_days': seasonal_span,
            'model': 'inbox_daily',
            'numerator': 'response_seconds_sum',
            'denominator': 'first_replies',
        },
        {
            'kpi': 'sla_compliance',
            'kpi_kind': 'rate',
            'adverse_direction': 'down',
            'min_denominator': 5,
            'min_scale': 0.03,
            'seasonal_period': 1,
            'training_span_days': 28,
            'model': 'inbox_daily',
            'numerator': 'sla_met',
            'denominator': 'sla_due',
        },
        {
            'kpi': 'delivery_rate',
            'kpi_kind': 'rate',
            'adverse_direction': 'down',
            'min_denominator': 5,
            'min_scale': 0.03,
            'seasonal_period': 1,
            'training_span_days': 28,
            'model': 'notification_daily',
            'numerator': 'delivered',
            'denominator': 'sent',
        },
        {
            'kpi': 'binding_failure_rate',
            'kpi_kind': 'rate',
            'adverse_direction': 'up',
            'min_denominator': 2,
            'min_scale': 0.03,
            'seasonal_period': 1,
            'training_span_days': 28,
            'model': 'binding_daily',
            'numerator': 'failures',
            'denominator': 'attempts',
        },
        {
            'kpi': 'ai_tokens',
            'kpi_kind': 'volume',
            'adverse_direction': 'up',
            'min_denominator': 0,
            'min_scale': 12,
            'seasonal_period': 7,
            'training_span_days': seasonal_span,
            'model': 'ai_daily',
            'numerator': 'prompt_tokens + completion_tokens',
            'denominator': none,
        },
    ]) }}
{% endmacro %}


{#- The KPI list as rows, one per KPI: kpi, kpi_kind, adverse_direction,
    min_denominator, min_scale (double), seasonal_period,
    training_span_days (integer). Argument: kpis, the list to union;
    default insight_kpis(). -#}
{% macro union_insight_kpis(kpis=none) %}
    {%- set kpis = kpis if kpis is not none else insight_kpis() -%}
    {%- for kpi in kpis %}
    select
        '{{ kpi.kpi }}' as kpi,
        '{{ kpi.kpi_kind }}' as kpi_kind,
        '{{ kpi.adverse_direction }}' as adverse_direction,
        cast({{ kpi.min_denominator }} as {{ type_double() }})
            as min_denominator,
        cast({{ kpi.min_scale }} as {{ type_double() }}) as min_scale,
        {{ kpi.seasonal_period }} as seasonal_period,
        {{ kpi.training_span_days }} as training_span_days
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}


{#- The daily points of the KPIs, sparse: one row per tenant,
    tenant-local day and KPI with rows in the KPI's mart (a ratio: with a
    positive denominator). Columns: tenant_id, activity_date, kpi,
    numerator, denominator (double; null for volumes). Argument: kpis, the
    list to union; default insight_kpis(). -#}
{% macro union_insight_kpi_points(kpis=none) %}
    {%- set kpis = kpis if kpis is not none else insight_kpis() -%}
    {%- for kpi in kpis %}
    select
        tenant_id,
        activity_date,
        '{{ kpi.kpi }}' as kpi,
        cast(sum({{ kpi.numerator }}) as {{ type_double() }}) as numerator,
        {%- if kpi.denominator is not none %}
        cast(sum({{ kpi.denominator }}) as {{ type_double() }})
            as denominator
        {%- else %}
        cast(null as {{ type_double() }}) as denominator
        {%- endif %}
    from {{ ref(kpi.model) }}
    group by tenant_id, activity_date
    {%- if kpi.denominator is not none %}
    having sum({{ kpi.denominator }}) > 0
    {%- endif %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}
