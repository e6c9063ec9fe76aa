-- Every UTC day from the first valid event to as_of (kpis.md: the
-- calendar marts saas_daily and module_activation hold every such day,
-- quiet days included). Built from a 0..99999 digit cross join instead of
-- a date_spine that queries the warehouse at compile time, so that it
-- compiles before any data exists and in unit tests.
with

as_of as (
    select
        first_event_date_utc,
        as_of_date_utc
    from {{ ref('int_as_of') }}
),

digits as (
    {% for digit in range(10) %}
        select {{ digit }} as digit
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

day_offsets as (
    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands
),

days as (
    select
        cast(
            {{ dbt.dateadd('day', 'day_offsets.day_offset',
                'as_of.first_event_date_utc') }}
            as date
        ) as date_day,
        as_of.as_of_date_utc
    from day_offsets
    cross join as_of
),

final as (
    select date_day
    from days
    where date_day <= as_of_date_utc
)

select * from final
