-- Template actions per template, using tenant and tenant-local day.
with

template_actions as (
    select * from {{ ref('fct_template_actions') }}
),

final as (
    select
        template_id,
        tenant_id,
        activity_date,
        -- scope depends on template_id only; max() just carries it.
        max(scope) as scope,
        {{ count_rows_where("action = 'use'") }} as uses,
        {{ count_rows_where("action = 'apply'") }} as applies,
        {{ count_rows_where("action = 'edit'") }} as edits,
        {{ count_rows_where("action = 'copy'") }} as copies,
        count(distinct user_id) as distinct_users,
        {{ count_rows_where("action = 'create'") }} as creates,
        {{ count_rows_where("action = 'delete'") }} as deletes,
        count(*) as actions
    from template_actions
    group by template_id, tenant_id, activity_date
)

select * from final
