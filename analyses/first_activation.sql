-- First activation (first successful binding) per tenant: how many users
-- activated and the average and longest hours from signup (user_stats).
with

users as (
    select * from {{ ref('user_stats') }}
),

final as (
    select
        tenant_id,
        count(*) as users,
        count(first_activation_at) as users_activated,
        {{ safe_divide('count(first_activation_at)', 'count(*)') }}
            as activation_share,
        avg(hours_to_first_activation) as avg_hours_to_first_activation,
        max(hours_to_first_activation) as max_hours_to_first_activation
    from users
    group by tenant_id
)

select * from final
order by users_activated desc, tenant_id asc
