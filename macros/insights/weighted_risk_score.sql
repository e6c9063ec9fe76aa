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
    contribution_<factor> columns, one row per grain), top_factor_1..3,
    the labels of the three largest contributions that pass `keep_when` (a
    condition on `contribution`; default: above 0). labels: dict
    factor -> label (default: the factor's name). Ties: the factor listed
    first in `weights` wins, or with tie_break='name' the first by label
    (deterministic either way).
    Each factor's place is counted within the row (how many kept factors
    beat it): no unpivot, no window over the rows, which took 13 s for
    1.6 million contact scores at scale 10. -#}
{% macro top_weighted_factors(
    relation, grain_columns, weights, labels=none,
    keep_when='contribution > 0',
    tie_break='listed'
) -%}
    {%- set names = weights.keys() | list -%}
    {%- set label = {} -%}
    {%- for name in names -%}
        {%- do label.update({name: (labels or {}).get(name, name)}) -%}
    {%- endfor -%}
    {#- tie order: a factor earlier in this list wins a tie -#}
    {%- set tie_order = names -%}
    {%- if tie_break == 'name' -%}
        {%- set tie_order = [] -%}
        {%- for text in label.values() | sort -%}
            {%- for name in names if label[name] == text
                    and name not in tie_order -%}
                {%- do tie_order.append(name) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    select
        {{ grain_columns | join(', ') }},
        {% for place in [1, 2, 3] -%}
            case
                {% for name in names -%}
                    when place_{{ name }} = {{ place }}
                        then '{{ label[name] }}'
                {% endfor -%}
            end as top_factor_{{ place }}
            {%- if not loop.last %},{% endif %}
        {% endfor %}
    from (
        select
            {{ grain_columns | join(', ') }},
            {% for name in names -%}
                {%- set mine = 'contribution_' ~ name -%}
                case
                    when {{ keep_when | replace('contribution', mine) }}
                        then 1
                        {%- for other in names if other != name %}
                        {%- set theirs = 'contribution_' ~ other %}
                        + case
                            when {{ keep_when | replace('contribution', theirs) }}
                                and {{ theirs }}
                                {{- ' >= ' if tie_order.index(other)
                                    < tie_order.index(name) else ' > ' -}}
                                {{ mine }}
                                then 1
                            else 0
                        end
                        {%- endfor %}
                end as place_{{ name }}
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        from {{ relation }}
    ) as placed
{%- endmacro %}

{#- The risk band of a score in [0, 1]: high from 0.5, medium from 0.25. -#}
{% macro risk_band(score) -%}
    case
        when {{ score }} >= 0.5 then 'high'
        when {{ score }} >= 0.25 then 'medium'
        else 'low'
    end
{%- endmacro %}
