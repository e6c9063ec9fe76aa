with

validated as (

    select * from {{ ref('val_events__imports') }}

),

final as (

    select
        import_batch_id,
        tenant_id,
        source,
        rows_received,
        rows_imported,
        rows_rejected,
        started_at,
        finished_at,
        loaded_at
    from validated
    where invalid_reason is null

)

select * from final
