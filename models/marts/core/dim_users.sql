-- One row per valid user, deleted ones too, with the current team and role
-- (kpis.md: a user's team and role are the current ones). No email or
-- phone, not even hashed: nothing downstream needs to contact or match a
-- user, and the hashes stay in staging.
with

users as (
    select * from {{ ref('stg_app__users') }}
),

teams as (
    select * from {{ ref('stg_app__teams') }}
),

final as (
    select
        users.user_id,
        users.tenant_id,
        users.team_id,
        teams.name as team_name,
        users.role,
        users.created_at,
        users.deleted_at,
        users.is_deleted
    from users
    left join teams
        on users.team_id = teams.team_id
)

select * from final
