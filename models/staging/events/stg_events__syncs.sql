with

validated as (

    select * from {{ ref('val_events__syncs') }}

),

final as (

    select
        sync_id,
        tenant_id,
        platform,
        started_at,
        finished_at,
        status,
        items_synced,
        error_code,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
