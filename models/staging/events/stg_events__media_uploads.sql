with

validated as (

    select * from {{ ref('val_events__media_uploads') }}

),

final as (

    select
        event_id,
        tenant_id,
        image_id,
        content_type,
        bytes,
        occurred_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
