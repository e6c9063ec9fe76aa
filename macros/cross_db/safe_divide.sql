{#- A rate: numerator / denominator as a float, null when the denominator
    is 0 or null (kpis.md: rates are null on a zero denominator).
    Arguments: numerator, denominator (SQL expressions). -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast({{ numerator }} as {{ type_double() }})
            / cast({{ denominator }} as {{ type_double() }})
    end
{%- endmacro %}
