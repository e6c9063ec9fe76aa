with

validated as (

    select * from {{ ref('val_events__contact_events') }}

),

final as (

    select
        event_id,
        tenant_id,
        contact_id,
        user_id,
        action,
        source,
        segment_id,
        old_grade,
        new_grade,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
