-- Renewal conversion: paid periods due and renewed per due month and
-- plan, with the running rate per plan (subscription_renewals).
with

renewals as (
    select * from {{ ref('subscription_renewals') }}
),

final as (
    select
        due_month,
        plan,
        due,
        renewed,
        renewal_rate,
        {{ safe_divide(
            'sum(renewed) over (partition by plan order by due_month)',
            'sum(due) over (partition by plan order by due_month)'
        ) }} as running_renewal_rate
    from renewals
)

select * from final
order by plan asc, due_month asc
