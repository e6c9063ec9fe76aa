-- Binding KPIs per tenant-local day, tenant, binding type and provider
-- (kpis.md). Rates are over attempts; the additive parts sit beside them.
with

binding_attempts as (
    select * from {{ ref('fct_binding_attempts') }}
),

aggregated as (
    select
        activity_date,
        tenant_id,
        binding_type,
        provider,
        count(*) as attempts,
        {{ sum_as_bigint(flag_to_int('is_success')) }} as successes,
        {{ sum_as_bigint(flag_to_int('is_failure')) }} as failures,
        {{ sum_as_bigint(flag_to_int('is_retry')) }} as retries,
        {{ sum_as_bigint(flag_to_int('is_new_binding')) }} as new_bindings
    from binding_attempts
    group by activity_date, tenant_id, binding_type, provider
),

final as (
    select
        activity_date,
        tenant_id,
        binding_type,
        provider,
        cast(attempts as {{ dbt.type_bigint() }}) as attempts,
        successes,
        failures,
        retries,
        {{ safe_divide('successes', 'attempts') }} as success_rate,
        {{ safe_divide('failures', 'attempts') }} as failure_rate,
        new_bindings
    from aggregated
)

select * from final
