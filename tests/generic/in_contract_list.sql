{#- raw_contract rule 5, re-proved on a staging model: every value of the
    column is in its contract list (contract_lists(); exact and
    case-sensitive; null only where the list allows it).
    Argument: table_name, the source table whose list applies. -#}
{% test in_contract_list(model, column_name, table_name) %}

select tested.{{ column_name }} as bad_value
from {{ model }} as tested
where {{ not_in_contract_list(table_name, column_name, 'tested') }}

{% endtest %}
