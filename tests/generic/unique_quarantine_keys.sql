{#- Grain of stg_quarantined_rows: one row per (source_table, row_key)
    among the rows quarantined by a row-level rule (2-10: only the winning
    copy of a key is validated). Copies quarantined before the collapse
    (rules 1, 11, 12, 13) are kept one by one and may share a key.
    Argument: model. -#}
{% test unique_quarantine_keys(model) %}

select
    source_table,
    row_key,
    count(*) as n_rows
from {{ model }}
where not {{ is_copy_level_reason('invalid_reason') }}
group by source_table, row_key
having count(*) > 1

{% endtest %}
