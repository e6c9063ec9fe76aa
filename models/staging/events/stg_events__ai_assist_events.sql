with

validated as (

    select * from {{ ref('val_events__ai_assist_events') }}

),

final as (

    select
        event_id,
        generation_id,
        tenant_id,
        user_id,
        action,
        feature,
        macro_id,
        template_id,
        model,
        prompt_tokens,
        completion_tokens,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
