-- One row per valid account-binding attempt: the facts behind
-- binding_daily, with retry and new-binding flags computed once in
-- int_binding_attempts_classified.
with

classified_attempts as (
    select * from {{ ref('int_binding_attempts_classified') }}
),

final as (
    select
        attempt_id,
        tenant_id,
        user_id,
        binding_type,
        provider,
        status,
        error_code,
        occurred_at,
        activity_date,
        is_success,
        is_failure,
        is_retry,
        is_new_binding
    from classified_attempts
)

select * from final
