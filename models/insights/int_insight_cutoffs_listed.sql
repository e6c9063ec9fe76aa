-- The cut-off dates contact insights are computed at: as_of's UTC date + 1
-- (the current one, all data) and every 7 days back, while at least 42
-- days of data lie before them (the 56-day feature windows of the earliest
-- cut-offs are cut short by the data's start: docs/decisions.md). A cut-off
-- date D means "as of 00:00 UTC of D": features read rows dated before it
-- only, so a backtest at an old cut-off sees what was known then.
with

as_of as (
    select * from {{ ref('int_as_of') }}
),

days as (
    select * from {{ ref('int_calendar_days_spined') }}
),

final as (
    select
        cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as date)
            as cutoff_date,
        cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as timestamp)
            as cutoff_at,
        days.date_day = as_of.as_of_date_utc as is_latest
    from days
    cross join as_of
    where
        days.date_day <= as_of.as_of_date_utc
        and mod(
            {{ dbt.datediff('days.date_day', 'as_of.as_of_date_utc', 'day') }},
            7
        ) = 0
        and {{ dbt.datediff('as_of.first_event_date_utc', 'days.date_day',
            'day') }} >= 41
)

select * from final
