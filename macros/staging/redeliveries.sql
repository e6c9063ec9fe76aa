{#- Redeliveries (raw_contract "Precise rules"): per key the copy with the
    latest loaded_at wins. A row whose key is null or blank is bad and is
    never collapsed: it is always rank 1 of 1 copy.
    Argument: key_columns, the list of key columns (renamed base columns).
-#}

{#- True when any key column is null or blank. -#}
{% macro key_is_missing(key_columns, row=none) -%}
    {%- set prefix = row ~ '.' if row else '' -%}
    ({%- for column in key_columns -%}
        {{ is_blank(prefix ~ column) }}
        {%- if not loop.last %} or {% endif -%}
    {%- endfor -%})
{%- endmacro %}

{#- 1 for the winning copy of a key, 2 for the next latest, ... -#}
{% macro redelivery_rank(key_columns) -%}
    case
        when {{ key_is_missing(key_columns) }} then 1
        else row_number() over (
            partition by {{ key_columns | join(', ') }}
            order by loaded_at desc
        )
    end
{%- endmacro %}

{#- How many copies of the key arrived (1 when never redelivered). -#}
{% macro copies_received(key_columns) -%}
    case
        when {{ key_is_missing(key_columns) }} then 1
        else count(*) over (partition by {{ key_columns | join(', ') }})
    end
{%- endmacro %}

{#- A row's key as text for stg_quarantined_rows: the key column itself,
    or the parts of a composite key joined with '|' (a null part shows as
    an empty string). -#}
{% macro quarantine_row_key(key_columns) -%}
    {%- if key_columns | length == 1 -%}
        cast({{ key_columns[0] }} as {{ dbt.type_string() }})
    {%- else -%}
        {%- set parts = [] -%}
        {%- for column in key_columns -%}
            {%- do parts.append("coalesce(cast(" ~ column ~ " as "
                ~ dbt.type_string() ~ "), '')") -%}
            {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
        {%- endfor -%}
        {{ dbt.concat(parts) }}
    {%- endif -%}
{%- endmacro %}
