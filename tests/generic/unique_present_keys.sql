{#- Primary key of the staging layer's base_ and val_ models, where a raw
    key may be null or blank (rule 1: such rows are kept, each on its own,
    and quarantined): among rows whose key is present, the key is unique in
    a val_ model (one winning copy per key) and (key, loaded_at) is unique
    in a base_ model (the contract: upstream never sends one key twice with
    the same _loaded_at, which makes "latest copy wins" deterministic).
    Arguments: model; table, the raw table's name in staging_tables();
    per_copy, true for base_ models (adds loaded_at to the key). -#}
{% test unique_present_keys(model, table, per_copy=false) %}

{%- set key = staging_tables()[table]['key'] -%}
{%- set columns = key + (['loaded_at'] if per_copy else []) %}

select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
where not {{ key_is_missing(key) }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
