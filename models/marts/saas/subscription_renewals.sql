-- kpis.md subscription_renewals: paid periods due in the month of their
-- period_end, and how many a `renewed` row continued. The rate is null
-- until the month is complete (its last day before as_of's UTC date):
-- renewals of a month still running may yet arrive.
with

periods as (
    select
        due_month,
        plan,
        is_renewed
    from {{ ref('int_subscription_periods_collapsed') }}
),

as_of as (
    select as_of_date_utc from {{ ref('int_as_of') }}
),

aggregated as (
    select
        due_month,
        plan,
        count(*) as due,
        sum(case when is_renewed then 1 else 0 end) as renewed
    from periods
    group by
        due_month,
        plan
),

-- complete: the first day of the next month is on or before as_of's date,
-- i.e. the month's last day is before it
completeness as (
    select
        aggregated.due_month,
        aggregated.plan,
        aggregated.due,
        aggregated.renewed,
        {{ dbt.dateadd('month', 1, 'aggregated.due_month') }}
        <= as_of.as_of_date_utc as is_complete
    from aggregated
    cross join as_of
),

final as (
    select
        due_month,
        plan,
        cast(due as {{ dbt.type_bigint() }}) as due,
        cast(renewed as {{ dbt.type_bigint() }}) as renewed,
        case
            when is_complete then {{ safe_divide('renewed', 'due') }}
        end as renewal_rate
    from completeness
)

select * from final
