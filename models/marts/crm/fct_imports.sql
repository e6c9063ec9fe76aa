-- One row per valid contact import batch, dated by started_at (kpis.md).
with

imports as (
    select * from {{ ref('stg_events__imports') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        imports.import_batch_id,
        imports.tenant_id,
        imports.source,
        imports.started_at,
        imports.finished_at,
        {{ to_local_date('imports.started_at', 'tenants.timezone') }}
            as activity_date,
        imports.rows_received,
        imports.rows_imported,
        imports.rows_rejected,
        {{ seconds_between('imports.started_at', 'imports.finished_at') }}
            as duration_seconds
    from imports
    left join tenants
        on imports.tenant_id = tenants.tenant_id
)

select * from final
