{#- A rate: numerator / denominator as a float, null when the denominator
    is 0 or null (kpis.md: rates are null on a zero denominator).
    Arguments: numerator, denominator (SQL expressions). -#}
{% macro safe_divide(numerator, denominator) -%}
    case
        when coalesce({{ denominator }}, 0) = 0 then null
        else cast({{ numerator }} as {{ dbt.type_float() }})
            / cast({{ denominator }} as {{ dbt.type_float() }})
    end
{%- endmacro %}
