-- One row per paid period, for analysts who want to slice renewals or
-- paying tenants themselves (the logic lives in the intermediate model).
with

periods as (
    select * from {{ ref('int_subscription_periods_collapsed') }}
),

final as (
    select
        subscription_id,
        period_start_at,
        period_end_at,
        tenant_id,
        plan,
        period_start_date,
        period_end_date,
        due_month,
        is_renewed,
        first_recorded_at,
        source_rows
    from periods
)

select * from final
