-- kpis.md subscription_renewals: paid periods due in the month of their
-- period_end, and how many a `renewed` row continued.
with

periods as (
    select
        due_month,
        plan,
        is_renewed
    from {{ ref('int_subscription_periods_collapsed') }}
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

final as (
    select
        due_month,
        plan,
        cast(due as {{ dbt.type_bigint() }}) as due,
        cast(renewed as {{ dbt.type_bigint() }}) as renewed,
        {{ safe_divide('renewed', 'due') }} as renewal_rate
    from aggregated
)

select * from final
