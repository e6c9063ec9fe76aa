{#- Reading the lake permissively (raw_contract rules 11-13, "Time
    bounds"): every typed contract column is read with a rule that never
    fails, so one unreadable value quarantines its row instead of failing
    the table's build. The same text rule on every engine (a strict
    ISO-8601 / integer / boolean pattern, then the engine's cast), so
    DuckDB and PostgreSQL (whose loader lands contract columns as text)
    quarantine the same rows. -#}

{#- The contract type of a column, by the contract's naming rules (as
    src/retail_saas/postgres/contract.py): 'timestamp', 'date', 'bigint',
    'boolean', or none for strings. -#}
{% macro lake_column_type(column) -%}
    {%- set integers = [
        'prompt_tokens', 'completion_tokens', 'bytes', 'bytes_served',
        'requests', 'items_synced', 'rows_received', 'rows_imported',
        'rows_rejected', 'amount_cents', 'catalog_product_count',
        'recipients_count', 'first_reply_target_minutes'] -%}
    {%- if column.endswith('_at')
        or column in ['event_time', 'period_start', 'period_end'] -%}
        {{ return('timestamp') }}
    {%- elif column == 'log_date' -%}
        {{ return('date') }}
    {%- elif column == 'is_automated' -%}
        {{ return('boolean') }}
    {%- elif column in integers -%}
        {{ return('bigint') }}
    {%- endif -%}
    {{ return(none) }}
{%- endmacro %}

{#- The native type of every column of a lake table, lower-case names to
    upper-case type names, when the engine can say at compile time
    (DuckDB reads the files); {} elsewhere (every value is read through
    its text). -#}
{% macro lake_native_types(source_name, table_name) -%}
    {{ return(adapter.dispatch('lake_native_types', 'retail_saas')(
        source_name, table_name)) }}
{%- endmacro %}

{% macro default__lake_native_types(source_name, table_name) -%}
    {{ return({}) }}
{%- endmacro %}

{% macro duckdb__lake_native_types(source_name, table_name) -%}
    {%- set types = {} -%}
    {%- if execute and var('check_source_columns', true) -%}
        {%- set described = run_query(
            'describe select * from ' ~ source(source_name, table_name)) -%}
        {%- for row in described.rows -%}
            {%- do types.update({row[0] | lower: row[1] | upper}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(types) }}
{%- endmacro %}

{#- True when the native type already is the contract type: the value is
    read as it is and can never be unreadable. -#}
{% macro is_native_type(native_type, data_type) -%}
    {%- set native = (native_type or '') | upper -%}
    {%- set families = {
        'timestamp': ['TIMESTAMP', 'TIMESTAMP_NS', 'TIMESTAMP_MS',
            'TIMESTAMP_S', 'TIMESTAMP WITH TIME ZONE'],
        'date': ['DATE'],
        'bigint': ['BIGINT', 'INTEGER', 'SMALLINT', 'TINYINT', 'UBIGINT',
            'UINTEGER', 'USMALLINT', 'UTINYINT'],
        'boolean': ['BOOLEAN'],
    } -%}
    {{ return(native in families[data_type]) }}
{%- endmacro %}

{#- The anchored patterns a text value must match to be read. -#}
{% macro lake_text_pattern(data_type) -%}
    {%- set day = '[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])' -%}
    {%- set patterns = {
        'timestamp': '^' ~ day ~ '([ T]([01][0-9]|2[0-3]):[0-5][0-9]'
            ~ '(:[0-5][0-9]([.][0-9]{1,6})?)?)?(Z|[+-]00(:?00)?)?$',
        'date': '^' ~ day ~ '$',
        'bigint': '^[+-]?[0-9]{1,18}([.]0+)?$',
    } -%}
    {{ return(patterns[data_type]) }}
{%- endmacro %}

{#- A text expression matches an anchored pattern. -#}
{% macro matches_pattern(expression, pattern) -%}
    {{ return(adapter.dispatch('matches_pattern', 'retail_saas')(
        expression, pattern)) }}
{%- endmacro %}

{% macro default__matches_pattern(expression, pattern) -%}
    ({{ expression }} ~ '{{ pattern }}')
{%- endmacro %}

{% macro duckdb__matches_pattern(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}

{% macro spark__matches_pattern(expression, pattern) -%}
    ({{ expression }} rlike '{{ pattern }}')
{%- endmacro %}

{#- A text that matched the day pattern, cast when its day exists in its
    month (2026-02-30 matches the pattern but is no date), else null. -#}
{% macro cast_existing_day(text, data_type) -%}
    {{ return(adapter.dispatch('cast_existing_day', 'retail_saas')(
        text, data_type)) }}
{%- endmacro %}

{#- PostgreSQL and Redshift have no try_cast: the day is checked by
    counting it from the first of its month, which always exists. -#}
{% macro default__cast_existing_day(text, data_type) -%}
    case
        when to_char(
            cast(substring({{ text }}, 1, 7) || '-01' as date)
            + cast(substring({{ text }}, 9, 2) as integer) - 1,
            'YYYY-MM-DD') = substring({{ text }}, 1, 10)
            then cast({{ text }} as {{ data_type }})
    end
{%- endmacro %}

{% macro duckdb__cast_existing_day(text, data_type) -%}
    try_cast({{ text }} as {{ data_type }})
{%- endmacro %}

{% macro spark__cast_existing_day(text, data_type) -%}
    try_cast({{ text }} as {{ data_type }})
{%- endmacro %}

{#- A value read from its text: null unless the text matches the type's
    pattern (surrounding spaces ignored). Integers may carry a zero
    fraction (12.0, as a float column prints); NaN, infinity, 12.5,
    1e20 and text are unreadable. Booleans: true/false/t/f/1/0, any
    case. -#}
{% macro lake_text_value(expression, data_type) -%}
    {%- set text = 'trim(cast(' ~ expression ~ ' as '
        ~ dbt.type_string() ~ '))' -%}
    {%- if data_type == 'boolean' -%}
        case
            when lower({{ text }}) in ('true', 't', '1') then true
            when lower({{ text }}) in ('false', 'f', '0') then false
        end
    {%- elif data_type == 'bigint' -%}
        case
            when {{ matches_pattern(text, lake_text_pattern('bigint')) }}
                {#- through a decimal: '12.0' is whole; no split_part,
                    whose delimiter is a regex on Spark -#}
                then cast(cast({{ text }} as decimal(38, 6)) as bigint)
        end
    {%- else -%}
        case
            when {{ matches_pattern(text, lake_text_pattern(data_type)) }}
                then {{ cast_existing_day(text, data_type) }}
        end
    {%- endif -%}
{%- endmacro %}

{#- A lake column read as its contract type (rule 12): null when the
    value cannot be read. Arguments: column (raw name), data_type
    ('timestamp', 'date', 'bigint', 'boolean'), native_types (from
    lake_native_types; {} reads through the text). -#}
{% macro lake_value(column, data_type, native_types={}) -%}
    {%- set native = native_types.get(column) -%}
    {%- if is_native_type(native, data_type) -%}
        cast({{ column }} as {{ data_type }})
    {%- elif data_type == 'bigint'
        and native in ['DOUBLE', 'FLOAT', 'REAL'] -%}
        case
            when isfinite({{ column }}) and {{ column }} = floor({{ column }})
                and abs({{ column }}) < 1e18
                then cast({{ column }} as bigint)
        end
    {%- else -%}
        {{ lake_text_value(column, data_type) }}
    {%- endif -%}
{%- endmacro %}

{#- The start of this run (rule 11): the var run_started_at (an ISO
    timestamp, for replays and tests) or dbt's run_started_at (UTC). Baked
    into the staging views when they are built, so every model of one run
    sees the same rows. -#}
{% macro run_start_timestamp() -%}
    {%- set override = var('run_started_at', none) -%}
    {%- set start = override
        or run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') -%}
    cast('{{ start }}' as {{ dbt.type_timestamp() }})
{%- endmacro %}

{#- Rules 1, 11 and 12 on one copy, on its raw values, in that order:
    'missing_key', 'loaded_at_missing', 'loaded_at_after_run_start',
    'unreadable_value:<column>' (contract column order; an unreadable
    _loaded_at is rule 12), else null. Arguments: table_name,
    native_types. -#}
{% macro copy_invalid_reason(table_name, native_types={}) -%}
    {%- set table = staging_tables()[table_name] -%}
    case
        when {{ key_is_missing(table['key']) }} then 'missing_key'
        when _loaded_at is null then 'loaded_at_missing'
        when {{ lake_value('_loaded_at', 'timestamp', native_types) }}
            > {{ run_start_timestamp() }}
            then 'loaded_at_after_run_start'
    {%- for column in table['columns'] %}
        {%- set data_type = lake_column_type(column) %}
        {%- if data_type
            and not is_native_type(native_types.get(column), data_type) %}
        when {{ column }} is not null
            and {{ lake_value(column, data_type, native_types) }} is null
            then 'unreadable_value:{{ column }}'
        {%- endif %}
    {%- endfor %}
    end
{%- endmacro %}

{#- Copies of the same key landed at the same _loaded_at (rule 13 only
    compares those), on the raw values. -#}
{% macro same_load_copies(table_name, native_types={}) -%}
    {%- set table = staging_tables()[table_name] -%}
    count(*) over (
        partition by
            {% for column in table['key'] -%}
                cast({{ column }} as {{ dbt.type_string() }}),
            {% endfor -%}
            {{ lake_value('_loaded_at', 'timestamp', native_types) }}
    )
{%- endmacro %}

{#- Rule 13: a digest of every contract column of a copy that shares its
    key and _loaded_at with another copy (null otherwise, which skips the
    work for nearly every row). Values are compared as read (two spellings
    of one timestamp are one value), a null apart from any text. -#}
{% macro copy_fingerprint(table_name, native_types={}) -%}
    {%- set table = staging_tables()[table_name] -%}
    {%- set parts = [] -%}
    {%- for column in table['columns'] if column != '_loaded_at' -%}
        {%- set data_type = lake_column_type(column) -%}
        {%- set value = lake_value(column, data_type, native_types)
            if data_type else column -%}
        {%- do parts.append("coalesce(cast(" ~ value ~ " as "
            ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    case
        when same_load_copies > 1 then {{ dbt.hash(dbt.concat(parts)) }}
    end
{%- endmacro %}
