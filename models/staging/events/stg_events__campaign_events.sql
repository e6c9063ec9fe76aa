with

validated as (

    select * from {{ ref('val_events__campaign_events') }}

),

final as (

    select
        event_id,
        brand_id,
        campaign_id,
        tenant_id,
        user_id,
        action,
        recipients_count,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
