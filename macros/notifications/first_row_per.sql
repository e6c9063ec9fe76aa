{#- Rank the rows of `relation` within `partition_by` by `order_by`, as
    `row_order`; keep `row_order = 1` to get the first row of each group.
    Portable replacement for `qualify row_number() ... = 1`: always give a
    unique tie-breaker (an id) last in `order_by` so reruns are stable.
    Arguments: relation (a CTE name), partition_by, order_by (SQL text;
    default `occurred_at, event_id`, the event logs' natural order). -#}
{% macro first_row_per(
    relation, partition_by, order_by='occurred_at, event_id'
) -%}
    select
        {{ relation }}.*,
        row_number() over (
            partition by {{ partition_by }}
            order by {{ order_by }}
        ) as row_order
    from {{ relation }}
{%- endmacro %}
