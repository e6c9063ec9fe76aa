{#- A model's grain: no two rows share the same values of `columns`
    (nulls compare equal, so a null in a grain column is caught by the
    not_null tests of that column, not hidden here).
    Arguments: model; columns, the list of grain columns. -#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
