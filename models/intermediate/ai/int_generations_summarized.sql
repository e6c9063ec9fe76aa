-- One row per AI generation, built from its earliest valid `generate` row,
-- with what happened to it afterwards. Shared by fct_ai_generations,
-- ai_daily and the user-level marts.
with

ai_events as (
    select * from {{ ref('stg_events__ai_assist_events') }}
),

generate_events as (
    select
        event_id,
        generation_id,
        tenant_id,
        user_id,
        feature,
        model,
        prompt_tokens,
        completion_tokens,
        occurred_at
    from ai_events
    where action = 'generate'
),

generate_events_ranked as (
    -- Should a generation log `generate` twice, the earliest row carries
    -- its date, feature, model and tokens (same rule as notifications).
    {{ first_row_per('generate_events', 'generation_id') }}
),

first_generate as (
    select * from generate_events_ranked
    where row_order = 1
),

actions as (
    -- Flags mean "has such a row", whatever its time; macro and template
    -- count when any row of the generation names one.
    select
        generation_id,
        {{ count_rows_where("action = 'apply'") }} as apply_rows,
        {{ count_rows_where("action = 'edit'") }} as edit_rows,
        {{ count_rows_where("action = 'save'") }} as save_rows,
        {{ count_rows_where("action = 'send'") }} as send_rows,
        {{ count_rows_where("action = 'discard'") }} as discard_rows,
        min(case when action = 'edit' then occurred_at end) as first_edit_at,
        max(case when action = 'save' then occurred_at end) as last_save_at,
        max(macro_id) as macro_id,
        max(template_id) as template_id
    from ai_events
    group by generation_id
),

final as (
    -- Inner join: a generation with no valid `generate` row is left out.
    select
        first_generate.generation_id,
        first_generate.event_id as generate_event_id,
        first_generate.tenant_id,
        first_generate.user_id,
        first_generate.feature,
        first_generate.model,
        first_generate.occurred_at as generated_at,
        first_generate.prompt_tokens,
        first_generate.completion_tokens,
        actions.macro_id,
        actions.template_id,
        (actions.apply_rows > 0) as is_applied,
        (actions.edit_rows > 0) as is_edited,
        (actions.save_rows > 0) as is_saved,
        -- An edit and a strictly later save: saving first, then editing,
        -- is not a save of the edited text.
        coalesce(actions.first_edit_at < actions.last_save_at, false)
            as is_saved_after_edit,
        (actions.send_rows > 0) as is_sent,
        (actions.discard_rows > 0) as is_discarded,
        (
            actions.macro_id is not null
            or actions.template_id is not null
        ) as has_macro_or_template
    from first_generate
    inner join actions
        on first_generate.generation_id = actions.generation_id
)

select * from final
