-- The daily time spine of the semantic layer (MetricFlow): one row per
-- day from 2020-01-01 to 2030-12-31, configured as `time_spine` in
-- _semantic__models.yml. Cumulative metrics and metric_time join to it.
-- Cut from dim_dates rather than dbt.date_spine, which queries the
-- warehouse at compile time (an offline compile, e.g. Redshift in CI,
-- cannot).
with

days as (
    select date_day
    from {{ ref('dim_dates') }}
    where
        date_day >= cast('2020-01-01' as date)
        and date_day <= cast('2030-12-31' as date)
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
