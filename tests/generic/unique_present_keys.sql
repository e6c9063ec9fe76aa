{#- Primary key of the staging layer's base_ and val_ models, where a raw
    key may repeat on rows quarantined copy by copy (rules 1, 11, 12, 13:
    each such copy is kept on its own). In a base_ model, one winning copy
    (redelivery_rank 1) per key among the trusted copies (no copy_reason);
    in a val_ model, the key is unique among the rows not quarantined copy
    by copy. Identical copies landed at the same _loaded_at (a file
    delivered twice) collapse and pass.
    Arguments: model; table, the raw table's name in staging_tables();
    per_copy, true for base_ models. -#}
{% test unique_present_keys(model, table, per_copy=false) %}

{%- set key = staging_tables()[table]['key'] %}

select
    {{ key | join(', ') }},
    count(*) as n_rows
from {{ model }}
{%- if per_copy %}
where copy_reason is null and redelivery_rank = 1
{%- else %}
where
    not {{ key_is_missing(key) }}
    and (invalid_reason is null
        or not {{ is_copy_level_reason('invalid_reason') }})
{%- endif %}
group by {{ key | join(', ') }}
having count(*) > 1

{% endtest %}
