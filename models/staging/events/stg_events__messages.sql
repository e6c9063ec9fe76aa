with

validated as (

    select * from {{ ref('val_events__messages') }}

),

final as (

    select
        message_id,
        tenant_id,
        conversation_id,
        contact_id,
        user_id,
        channel,
        direction,
        in_reply_to_message_id,
        is_automated,
        template_id,
        ai_generation_id,
        catalog_product_count,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
