-- One row per valid team of a tenant.
with

teams as (
    select * from {{ ref('stg_app__teams') }}
),

final as (
    select
        team_id,
        tenant_id,
        name as team_name,
        created_at
    from teams
)

select * from final
