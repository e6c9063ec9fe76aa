-- AI assist funnel per tenant-local day, feature and model.
with

generations as (
    select * from {{ ref('fct_ai_generations') }}
),

aggregated as (
    select
        activity_date,
        tenant_id,
        feature,
        model,
        count(*) as generations,
        {{ count_rows_where('is_applied') }} as applied,
        {{ count_rows_where('is_edited') }} as edited,
        {{ count_rows_where('is_saved_after_edit') }} as saved_after_edit,
        {{ count_rows_where('is_saved') }} as saved,
        {{ count_rows_where('is_sent') }} as sent,
        {{ count_rows_where('has_macro_or_template') }}
            as with_macro_or_template,
        cast(coalesce(sum(prompt_tokens), 0) as bigint) as prompt_tokens,
        cast(coalesce(sum(completion_tokens), 0) as bigint)
            as completion_tokens,
        {{ count_rows_where('is_discarded') }} as discarded
    from generations
    group by activity_date, tenant_id, feature, model
),

final as (
    select
        activity_date,
        tenant_id,
        feature,
        model,
        generations,
        applied,
        edited,
        saved_after_edit,
        saved,
        sent,
        with_macro_or_template,
        prompt_tokens,
        completion_tokens,
        {{ safe_divide('applied', 'generations') }} as usage_rate,
        {{ safe_divide('with_macro_or_template', 'generations') }}
            as macro_template_rate,
        {{ safe_divide('saved_after_edit', 'edited') }}
            as save_after_edit_rate,
        {{ safe_divide('sent', 'generations') }} as send_rate,
        discarded
    from aggregated
)

select * from final
