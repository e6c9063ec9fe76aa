-- One row per valid tenant (retailer): the timezone here is the one every
-- tenant-local activity_date uses.
with

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

final as (
    select
        tenant_id,
        name as tenant_name,
        timezone,
        country,
        plan,
        created_at
    from tenants
)

select * from final
