-- A calendar: one row per day from var dim_dates_start_date for 10,000
-- days (about 27 years), cut at var dim_dates_end_date. Built from a cross
-- join of digit CTEs so it runs on any warehouse without a series function
-- and without a query at compile time.
{%- set start_date = var('dim_dates_start_date', '2015-01-01') %}
{%- set end_date = var('dim_dates_end_date', '2040-12-31') %}

with

digits as (
    select 0 as digit
    union all
    select 1
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
    union all
    select 6
    union all
    select 7
    union all
    select 8
    union all
    select 9
),

day_offsets as (
    select
        ones.digit
        + tens.digit * 10
        + hundreds.digit * 100
        + thousands.digit * 1000 as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
),

days as (
    select
        cast(
            {{ dbt.dateadd(
                'day', 'day_offset', "cast('" ~ start_date ~ "' as date)"
            ) }} as date
        ) as date_day
    from day_offsets
),

final as (
    select
        date_day,
        cast(extract(year from date_day) as {{ dbt.type_bigint() }})
            as year_number,
        cast(extract(quarter from date_day) as {{ dbt.type_bigint() }})
            as quarter_number,
        cast(extract(month from date_day) as {{ dbt.type_bigint() }})
            as month_number,
        cast(extract(day from date_day) as {{ dbt.type_bigint() }})
            as day_of_month,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date)
            as month_start_date,
        -- ISO weeks: the week starts on Monday.
        cast({{ dbt.date_trunc('week', 'date_day') }} as date)
            as week_start_date
    from days
    where date_day <= cast('{{ end_date }}' as date)
)

select * from final
