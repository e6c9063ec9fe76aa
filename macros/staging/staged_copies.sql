{#- Every copy of an event log, staged (renamed, cast, per-copy reasons,
    ranked by redelivery): the one SQL of the base_events__ views and of
    the val_events__ models, which read the lake through it with a filter
    on an incremental run (docs/decisions.md "Incremental loads"). Columns
    come from staging_tables() in contract order; types from
    lake_column_type (strings otherwise); names from staged_column_name. -#}

{#- The staged name of a raw column. -#}
{% macro staged_column_name(column) -%}
    {%- set renames = {
        'event_time': 'occurred_at',
        '_loaded_at': 'loaded_at',
        'in_reply_to': 'in_reply_to_message_id',
        'period_start': 'period_start_at',
        'period_end': 'period_end_at',
    } -%}
    {{ return(renames.get(column, column)) }}
{%- endmacro %}

{#- A raw column read as its staged type (rule 12's permissive reading). -#}
{% macro staged_column(column, native_types={}) -%}
    {%- set data_type = lake_column_type(column) -%}
    {%- if data_type -%}
        {{ lake_value(column, data_type, native_types) }}
    {%- else -%}
        cast({{ column }} as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}

{#- The staged key of a row as one text (snapshot_key_text's form: parts
    joined by '|', null when a part is null). With native_types, read
    from the raw columns; without, from the staged columns of `row`. -#}
{% macro staged_key_text(table_name, row=none, native_types=none) -%}
    {%- set key = staging_tables()[table_name]['key'] -%}
    {%- set parts = [] -%}
    {%- for column in key -%}
        {%- if not loop.first -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
        {%- set value = staged_column(column, native_types)
            if native_types is not none
            else (row ~ '.' if row else '') ~ staged_column_name(column) -%}
        {%- do parts.append('cast(' ~ value ~ ' as '
            ~ dbt.type_string() ~ ')') -%}
    {%- endfor -%}
    {{ parts[0] if parts | length == 1 else dbt.concat(parts) }}
{%- endmacro %}

{#- True when a part of the staged key is null or blank (rule 1, and a
    key part that cannot be read): such rows may share a key, so
    incremental runs restage all of them. Arguments as staged_key_text. -#}
{% macro staged_key_is_blank(table_name, row=none, native_types=none) -%}
    {%- set key = staging_tables()[table_name]['key'] -%}
    ({%- for column in key -%}
        {{ is_blank(staged_column(column, native_types)
            if native_types is not none
            else (row ~ '.' if row else '') ~ staged_column_name(column)) }}
        {%- if not loop.last %} or {% endif -%}
    {%- endfor -%})
{%- endmacro %}

{#- The CTEs copies_source .. copies_ranked (no leading `with`); the
    caller reads copies_ranked. only_changed: on an incremental run, only
    the copies of the keys in CTE staged_keys_context (staged_key_ctes)
    and of blank keys, read straight off the lake so that the redelivery
    windows run over them alone. -#}
{% macro staged_copies(table_name, only_changed=false) -%}
    {%- set table = staging_tables()[table_name] -%}
    {%- set key_columns = [] -%}
    {%- for column in table['key'] -%}
        {%- do key_columns.append(staged_column_name(column)) -%}
    {%- endfor -%}
    {%- set native_types = lake_native_types(table['source'], table_name) -%}
copies_source as (

    select * from {{ source(table['source'], table_name) }}
    {%- if only_changed %}
    where
        {{ staged_key_text(table_name, native_types=native_types) }} in (
            select staged_key from staged_keys_context
        )
        or {{ staged_key_is_blank(table_name, native_types=native_types) }}
    {%- endif %}

),

copies_landed as (

    select
        copies_source.*,
        {{ same_load_copies(table_name, native_types) }}
            as same_load_copies
    from copies_source

),

copies_renamed as (

    select
        {%- for column in table['columns'] %}
        {{ staged_column(column, native_types) }}
            as {{ staged_column_name(column) }},
        {%- endfor %}
        {{ copy_invalid_reason(table_name, native_types) }}
            as copy_invalid_reason,
        {{ copy_fingerprint(table_name, native_types) }} as copy_fingerprint
    from copies_landed

),

copies_checked as (

    select
        copies_renamed.*,
        {{ copy_reason(key_columns) }} as copy_reason
    from copies_renamed

),

copies_ranked as (

    select
        copies_checked.*,
        {{ redelivery_rank(key_columns) }} as redelivery_rank,
        {{ copies_received(key_columns) }} as copies_received
    from copies_checked

)
{%- endmacro %}
