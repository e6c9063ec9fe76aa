with

validated as (

    select * from {{ ref('val_events__subscription_events') }}

),

final as (

    select
        event_id,
        tenant_id,
        subscription_id,
        action,
        plan,
        period_start_at,
        period_end_at,
        amount_cents,
        currency,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
