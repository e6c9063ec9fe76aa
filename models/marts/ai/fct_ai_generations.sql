-- One row per AI generation, dated by its `generate` row in the tenant's
-- timezone.
with

generations as (
    select * from {{ ref('int_generations_summarized') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        generations.generation_id,
        generations.tenant_id,
        generations.user_id,
        generations.feature,
        generations.model,
        generations.generated_at,
        {{ to_local_date('generations.generated_at', 'tenants.timezone') }}
            as activity_date,
        generations.prompt_tokens,
        generations.completion_tokens,
        generations.is_applied,
        generations.is_edited,
        generations.is_saved,
        generations.is_saved_after_edit,
        generations.is_sent,
        generations.is_discarded,
        generations.macro_id,
        generations.template_id,
        generations.has_macro_or_template,
        generations.generate_event_id
    from generations
    -- Left join: an unknown timezone falls back to UTC, the row stays.
    left join tenants
        on generations.tenant_id = tenants.tenant_id
)

select * from final
