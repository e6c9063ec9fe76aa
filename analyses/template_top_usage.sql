-- The most used templates: uses and applies over the whole period, with
-- their scope, dense-ranked by uses (1 = most).
with

template_days as (
    select * from {{ ref('template_usage') }}
),

template_totals as (
    select
        template_id,
        max(scope) as scope,
        sum(uses) as uses,
        sum(applies) as applies,
        count(distinct tenant_id) as using_tenants
    from template_days
    group by template_id
),

final as (
    select
        template_id,
        scope,
        uses,
        applies,
        using_tenants,
        dense_rank() over (order by uses desc) as usage_rank
    from template_totals
)

select * from final
where usage_rank <= 20
order by usage_rank asc, template_id asc
