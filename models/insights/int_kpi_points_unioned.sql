-- The key daily KPIs of each tenant in one long table, the input of
-- anomaly detection (kpi_anomalies): one row per tenant, tenant-local day
-- and KPI. Volumes (message_volume, ai_tokens) are zero on days without
-- rows, from the tenant's first row of that KPI to the last day of data;
-- ratios carry their additive parts and are scorable only when the
-- denominator reaches the KPI's minimum (small samples are noise).
-- score_value is the value on the scale it is judged on: sqrt of a volume,
-- ln(1 + x) of a mean, a rate as it is. Only whole tenant-local days are
-- kept: the first and last local days of the data are cut by the window.
with

sparse_points as (
    -- one arm per KPI of insight_kpis(), summed per tenant-local day
    {{ union_insight_kpi_points() }}
),

kpis as (
    select * from {{ ref('int_insight_kpis_listed') }}
),

whole_days as (
    select
        tenants.tenant_id,
        {{ to_local_date('as_of.first_event_at', 'tenants.timezone') }}
            as first_local_date,
        {{ to_local_date('as_of.as_of_at', 'tenants.timezone') }}
            as last_local_date
    from {{ ref('stg_app__tenants') }} as tenants
    cross join {{ ref('int_as_of') }} as as_of
),

days as (
    select distinct activity_date
    from sparse_points
),

volume_spans as (
    -- volumes are dense: every day from the tenant's first row of the KPI
    select
        sparse_points.tenant_id,
        sparse_points.kpi,
        min(sparse_points.activity_date) as first_date
    from sparse_points
    inner join kpis
        on sparse_points.kpi = kpis.kpi
    where kpis.kpi_kind = 'volume'
    group by sparse_points.tenant_id, sparse_points.kpi
),

dense_volumes as (
    select
        volume_spans.tenant_id,
        days.activity_date,
        volume_spans.kpi,
        coalesce(
            sparse_points.numerator, cast(0 as {{ type_double() }})
        ) as numerator,
        cast(null as {{ type_double() }}) as denominator
    from volume_spans
    inner join days
        on volume_spans.first_date <= days.activity_date
    left join sparse_points
        on
            volume_spans.tenant_id = sparse_points.tenant_id
            and volume_spans.kpi = sparse_points.kpi
            and days.activity_date = sparse_points.activity_date
),

all_points as (
    select
        tenant_id,
        activity_date,
        kpi,
        numerator,
        denominator
    from dense_volumes
    union all
    select
        sparse_points.tenant_id,
        sparse_points.activity_date,
        sparse_points.kpi,
        sparse_points.numerator,
        sparse_points.denominator
    from sparse_points
    inner join kpis
        on sparse_points.kpi = kpis.kpi
    where kpis.kpi_kind <> 'volume'
),

final as (
    select
        all_points.tenant_id,
        all_points.activity_date,
        all_points.kpi,
        {{ dbt.datediff("cast('2000-01-01' as date)",
            'all_points.activity_date', 'day') }} as day_number,
        all_points.numerator,
        all_points.denominator,
        case
            when kpis.kpi_kind = 'volume' then all_points.numerator
            else {{ safe_divide('all_points.numerator',
                'all_points.denominator') }}
        end as kpi_value,
        case
            when kpis.kpi_kind = 'volume' then sqrt(all_points.numerator)
            when kpis.kpi_kind = 'mean'
                then ln(1 + {{ safe_divide('all_points.numerator',
                    'all_points.denominator') }})
            else {{ safe_divide('all_points.numerator',
                'all_points.denominator') }}
        end as score_value,
        coalesce(
            kpis.kpi_kind = 'volume'
            or all_points.denominator >= kpis.min_denominator,
            false
        ) as is_scorable
    from all_points
    inner join kpis
        on all_points.kpi = kpis.kpi
    inner join whole_days
        on all_points.tenant_id = whole_days.tenant_id
    where
        all_points.activity_date > whole_days.first_local_date
        and all_points.activity_date < whole_days.last_local_date
)

select * from final
