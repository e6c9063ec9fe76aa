{#- The hand-weighted risk scores (tenant_churn_risk, contact_churn_risk):
    a weighted sum of factors in [0, 1], each factor's contribution kept,
    the largest contributions named, and a band. One shape, one place. -#}

{#- Select-list items: contribution_<factor> (weight × factor_<factor>)
    for each factor of `weights` (dict name -> weight), then raw_score,
    their sum. normalized: divide both by the weights' sum, so that the
    score stays in [0, 1] whatever the weights. -#}
{% macro weighted_contributions(weights, normalized=false) -%}
    {%- set divisor = ' / ' ~ (weights.values() | sum)
        if normalized else '' -%}
    {% for name, weight in weights.items() -%}
        {{ weight }} * factor_{{ name }}{{ divisor }}
            as contribution_{{ name }},
    {% endfor -%}
    (
        {% for name, weight in weights.items() -%}
            {{ weight }} * factor_{{ name }}
            {%- if not loop.last %} + {% endif %}
        {%- endfor %}
    ){{ divisor }} as raw_score
{%- endmacro %}

{#- A query: per grain (grain_columns) of `relation` (a CTE with the
    contribution_<factor> columns), top_factor_1..3, the labels of the
    three largest contributions that pass `keep_when` (a condition on
    `contribution`; default: above 0). labels: dict
    factor -> label (default: the factor's name). Ties: the factor listed
    first in `weights` wins, or with tie_break='name' the first by label
    (deterministic either way). -#}
{% macro top_weighted_factors(
    relation, grain_columns, weights, labels=none,
    keep_when='contribution > 0',
    tie_break='listed'
) -%}
    {%- set grain = grain_columns | join(', ') -%}
    select
        {{ grain }},
        max(case when factor_rank = 1 then factor_label end) as top_factor_1,
        max(case when factor_rank = 2 then factor_label end) as top_factor_2,
        max(case when factor_rank = 3 then factor_label end) as top_factor_3
    from (
        select
            {{ grain }},
            factor_label,
            row_number() over (
                partition by {{ grain }}
                order by
                    contribution desc,
                    {{ 'factor_label' if tie_break == 'name'
                        else 'factor_order' }} asc
            ) as factor_rank
        from (
            {% for name in weights -%}
                select
                    {{ grain }},
                    '{{ (labels or {}).get(name, name) }}' as factor_label,
                    {{ loop.index }} as factor_order,
                    contribution_{{ name }} as contribution
                from {{ relation }}
                {% if not loop.last %}union all{% endif %}
            {% endfor %}
        ) as unpivoted
        where {{ keep_when }}
    ) as ranked
    group by {{ grain }}
{%- endmacro %}

{#- The risk band of a score in [0, 1]: high from 0.5, medium from 0.25. -#}
{% macro risk_band(score) -%}
    case
        when {{ score }} >= 0.5 then 'high'
        when {{ score }} >= 0.25 then 'medium'
        else 'low'
    end
{%- endmacro %}
