-- One row per valid binding attempt with its retry and new-binding flags
-- (kpis.md, "retry" and `new_bindings`) and its tenant-local date, for
-- fct_binding_attempts, binding_daily and user_stats.
with

attempts as (
    select * from {{ ref('stg_events__binding_attempts') }}
),

tenants as (
    select * from {{ ref('stg_app__tenants') }}
),

-- A retry follows a failure of the same user and provider in the 24 hours
-- before it: a failure exactly 24 h earlier still counts, one at the same
-- instant does not (it is not "before").
retried_attempts as (
    select distinct attempts.attempt_id
    from attempts
    inner join attempts as failures
        on
            attempts.tenant_id = failures.tenant_id
            and attempts.user_id = failures.user_id
            and attempts.provider = failures.provider
            and attempts.occurred_at > failures.occurred_at
            and attempts.occurred_at
            <= {{ dbt.dateadd('hour', 24, 'failures.occurred_at') }}
    where failures.status = 'failure'
),

-- A user's first success per provider is a new binding; same-instant
-- successes are ordered by attempt_id so exactly one wins.
ranked_successes as (
    select
        attempt_id,
        row_number() over (
            partition by tenant_id, user_id, provider
            order by occurred_at asc, attempt_id asc
        ) as success_order
    from attempts
    where
        status = 'success'
        and user_id is not null
),

final as (
    select
        attempts.attempt_id,
        attempts.tenant_id,
        attempts.user_id,
        attempts.binding_type,
        attempts.provider,
        attempts.status,
        attempts.error_code,
        attempts.occurred_at,
        {{ to_local_date('attempts.occurred_at', 'tenants.timezone') }}
            as activity_date,
        attempts.status = 'success' as is_success,
        attempts.status = 'failure' as is_failure,
        retried_attempts.attempt_id is not null as is_retry,
        coalesce(ranked_successes.success_order = 1, false)
            as is_new_binding
    from attempts
    left join tenants
        on attempts.tenant_id = tenants.tenant_id
    left join retried_attempts
        on attempts.attempt_id = retried_attempts.attempt_id
    left join ranked_successes
        on attempts.attempt_id = ranked_successes.attempt_id
)

select * from final
