-- The daily time spine of the semantic layer (MetricFlow): one row per
-- day from 2020-01-01 to 2030-12-31, configured as `time_spine` in
-- _semantic__models.yml. Cumulative metrics and metric_time join to it.
with

days as (
    {{ dbt.date_spine(
        datepart='day',
        start_date="cast('2020-01-01' as date)",
        end_date="cast('2031-01-01' as date)",
    ) }}
),

final as (
    select cast(date_day as date) as date_day
    from days
)

select * from final
