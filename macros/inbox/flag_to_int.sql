{#- 1 when a condition holds, else 0 (null counts as 0), so that flags can
    be summed into additive counts in every mart of the inbox, bindings
    and user modules. Argument: condition, a boolean SQL expression. -#}
{% macro flag_to_int(condition) -%}
    case when {{ condition }} then 1 else 0 end
{%- endmacro %}
