{#- Redeliveries (raw_contract "Precise rules", "Time bounds"): rules 1,
    11 and 12 are checked on every copy first (copy_invalid_reason, see
    lake_values.sql); rule 13 while collapsing; then, per key, the latest
    of the remaining copies wins. A copy with a copy_reason is quarantined
    on its own and takes no part in the collapse: it is always rank 1 of
    1 copy, so a corrupt newer copy never displaces a good older one.
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

{#- copy_invalid_reason (rules 1, 11, 12), else 'conflicting_copies' when
    copies of the key landed at the same loaded_at differ (rule 13: all of
    them are bad; identical ones collapse like any redelivery). -#}
{% macro copy_reason(key_columns) -%}
    {%- set copies = 'partition by copy_invalid_reason, '
        ~ key_columns | join(', ') ~ ', loaded_at' -%}
    coalesce(
        copy_invalid_reason,
        case
            when min(copy_fingerprint) over ({{ copies }})
                <> max(copy_fingerprint) over ({{ copies }})
                then 'conflicting_copies'
        end
    )
{%- endmacro %}

{#- 1 for the winning copy of a key, 2 for the next latest, ...; 1 for a
    copy with a copy_reason. -#}
{% macro redelivery_rank(key_columns) -%}
    case
        when copy_reason is not null then 1
        else row_number() over (
            partition by copy_reason, {{ key_columns | join(', ') }}
            order by loaded_at desc
        )
    end
{%- endmacro %}

{#- How many trusted copies of the key arrived (1 when never redelivered,
    and for a copy with a copy_reason). -#}
{% macro copies_received(key_columns) -%}
    case
        when copy_reason is not null then 1
        else count(*) over (
            partition by copy_reason, {{ key_columns | join(', ') }})
    end
{%- endmacro %}

{#- True for the quarantine reasons given to a single copy before the
    collapse (rules 1, 11, 12, 13): such rows may share a key. -#}
{% macro is_copy_level_reason(reason_column) -%}
    ({{ reason_column }} in ('missing_key', 'loaded_at_missing',
        'loaded_at_after_run_start', 'conflicting_copies')
        or {{ reason_column }} like 'unreadable_value:%')
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
