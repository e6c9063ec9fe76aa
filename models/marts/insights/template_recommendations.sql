-- The top 5 templates for each user at every cut-off date (the current
-- list: is_latest), cold-start users (few uses of their own) included:
-- their lists lean on the team, the tenant and brand templates that
-- retailers on the same plan adopted. score = weighted shares (vars
-- template_weight_*, set by hand; the team's share weighs most: the user's
-- own history is already in it), × 0.5 for another language, × 0.9 for
-- another format than the user's. Ties: template_id ascending (deterministic).
-- The contract carries no template name: language, format and scope say
-- what a template is.
{%- set weights = {
    'user': var('template_weight_user', 0.1),
    'team': var('template_weight_team', 1.0),
    'tenant': var('template_weight_tenant', 0.1),
    'plan_brand': var('template_weight_plan_brand', 0.05),
} %}
{%- set reasons = {
    'user': 'you use it often',
    'team': 'popular in your team',
    'tenant': 'popular in your company',
    'plan_brand': 'brand template retailers on your plan adopted',
} %}
with

candidates as (
    select * from {{ ref('int_template_candidates_scored') }}
),

cutoffs as (
    select * from {{ ref('int_insight_cutoffs_listed') }}
),

scored as (
    select
        *,
        {% for name, weight in weights.items() -%}
            {{ weight }} * coalesce({{ name }}_share, 0)
                as contribution_{{ name }},
        {% endfor -%}
        (
            {% for name, weight in weights.items() -%}
                {{ weight }} * coalesce({{ name }}_share, 0)
                {%- if not loop.last %} + {% endif %}
            {%- endfor %}
        )
        * case when is_language_match then 1 else 0.5 end
        * case when is_format_match then 1 else 0.9 end as score
    from candidates
),

ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, user_id, cutoff_date
            order by score desc, template_id asc
        ) as recommendation_rank,
        -- the largest contribution names the reason (ties: listed order)
        case
            {% for name in weights -%}
                when
                    contribution_{{ name }} >= greatest(
                        {% for other in weights -%}
                            contribution_{{ other }}
                            {%- if not loop.last %},{% endif %}
                        {% endfor -%}
                    )
                    then '{{ reasons[name] }}'
            {% endfor -%}
        end as top_reason
    from scored
),

final as (
    select
        ranked.tenant_id,
        ranked.team_id,
        ranked.user_id,
        ranked.cutoff_date as recommended_on,
        cutoffs.is_latest,
        cast(ranked.recommendation_rank as {{ dbt.type_int() }})
            as recommendation_rank,
        ranked.template_id,
        ranked.is_brand_template,
        ranked.language,
        ranked.format,
        ranked.user_uses_total < {{ var('template_cold_start_uses', 3) }}
            as is_cold_start,
        cast(ranked.user_uses_total as {{ dbt.type_bigint() }})
            as user_uses_total,
        cast(ranked.score as {{ type_double() }}) as score,
        {{ dbt.concat([
            'ranked.top_reason',
            "case when ranked.is_language_match and ranked.is_format_match"
            ~ " then ', in your language and format'"
            ~ " when ranked.is_language_match then ', in your language'"
            ~ " else '' end",
        ]) }} as reason
    from ranked
    inner join cutoffs
        on ranked.cutoff_date = cutoffs.cutoff_date
    where ranked.recommendation_rank <= 5
)

select * from final
