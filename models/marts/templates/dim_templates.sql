-- One row per valid template, deleted ones included (flagged), so that
-- template actions on a since-deleted template still find their scope.
with

templates as (
    select * from {{ ref('stg_app__templates') }}
),

final as (
    select
        template_id,
        -- Null for brand-published templates: they belong to every
        -- retailer that carries the brand.
        tenant_id,
        brand_id,
        owner_user_id,
        team_id,
        scope,
        language,
        format,
        created_at,
        deleted_at,
        is_deleted
    from templates
)

select * from final
