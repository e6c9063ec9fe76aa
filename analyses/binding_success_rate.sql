-- Binding success rate per provider and binding type over the whole
-- period, recomputed from the additive parts of binding_daily.
with

binding_days as (
    select * from {{ ref('binding_daily') }}
),

final as (
    select
        binding_type,
        provider,
        sum(attempts) as attempts,
        sum(successes) as successes,
        sum(retries) as retries,
        {{ safe_divide('sum(successes)', 'sum(attempts)') }} as success_rate
    from binding_days
    group by binding_type, provider
)

select * from final
order by success_rate desc, binding_type asc, provider asc
