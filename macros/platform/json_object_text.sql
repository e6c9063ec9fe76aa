{#- A JSON object, as text, of the given columns: {"col":value,...}, keys
    in the order given, nulls kept as JSON null (so a log's details always
    carry the same keys), no whitespace.

    Built by string concatenation rather than the warehouse's JSON
    functions on purpose: DuckDB json_object and PostgreSQL
    json_build_object format differently ({"a":1} vs {"a" : 1}, timestamps
    with a space vs a T), and fct_events.details must be the same text on
    every target. Value formatting follows the staging types, told by the
    column name:
      *_at                                  timestamp -> "YYYY-MM-DDTHH:MI:SS.ffffff"
      is_*                                  boolean   -> true / false
      counts, bytes, tokens, rows, cents    bigint    -> a JSON number
      anything else                         text      -> a JSON string
    Argument: columns, a list of column names (used as keys too). -#}
{% macro json_object_text(columns) -%}
    {%- set numeric_names = [
        'bytes', 'bytes_served', 'requests', 'items_synced',
        'rows_received', 'rows_imported', 'rows_rejected', 'amount_cents',
        'catalog_product_count', 'recipients_count', 'prompt_tokens',
        'completion_tokens', 'first_reply_target_minutes'] -%}
    {%- set parts = ["'{'"] -%}
    {%- for column in columns -%}
        {%- if column.endswith('_at') -%}
            {%- set value = dbt.concat(["'\"'",
                iso_timestamp_text(column), "'\"'"]) -%}
        {%- elif column.startswith('is_') -%}
            {%- set value = "case when " ~ column ~ " then 'true' when not "
                ~ column ~ " then 'false' end" -%}
        {%- elif column in numeric_names -%}
            {%- set value = 'cast(' ~ column ~ ' as '
                ~ dbt.type_string() ~ ')' -%}
        {%- else -%}
            {%- set value = dbt.concat(["'\"'",
                json_escape(column), "'\"'"]) -%}
        {%- endif -%}
        {%- do parts.append("'" ~ ('' if loop.first else ',') ~ '"'
            ~ column ~ "\":'") -%}
        {%- do parts.append('coalesce(' ~ value ~ ", 'null')") -%}
    {%- endfor -%}
    {%- do parts.append("'}'") -%}
    cast({{ dbt.concat(parts) }} as {{ dbt.type_string() }})
{%- endmacro %}


{#- A text value escaped for a JSON string: backslash, double quote and the
    usual control characters. Argument: expr, a text expression. -#}
{% macro json_escape(expr) -%}
    {{ return(adapter.dispatch('json_escape', 'retail_saas')(expr)) }}
{%- endmacro %}

{% macro default__json_escape(expr) -%}
    replace(replace(replace(replace(replace(
        cast({{ expr }} as {{ dbt.type_string() }}),
        '\', '\\'), '"', '\"'),
        chr(10), '\n'), chr(13), '\r'), chr(9), '\t')
{%- endmacro %}

{#- Spark string literals take backslash escapes: each one doubled. -#}
{% macro spark__json_escape(expr) -%}
    replace(replace(replace(replace(replace(
        cast({{ expr }} as {{ dbt.type_string() }}),
        '\\', '\\\\'), '"', '\\"'),
        chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t')
{%- endmacro %}


{#- A naive timestamp as ISO-8601 text with microseconds,
    'YYYY-MM-DDTHH:MI:SS.ffffff', identical on every target.
    Argument: expr, a timestamp expression. -#}
{% macro iso_timestamp_text(expr) -%}
    {{ return(adapter.dispatch('iso_timestamp_text', 'retail_saas')(expr)) }}
{%- endmacro %}

{% macro default__iso_timestamp_text(expr) -%}
    to_char({{ expr }}, 'YYYY-MM-DD"T"HH24:MI:SS.US')
{%- endmacro %}

{% macro duckdb__iso_timestamp_text(expr) -%}
    strftime({{ expr }}, '%Y-%m-%dT%H:%M:%S.%f')
{%- endmacro %}

{% macro spark__iso_timestamp_text(expr) -%}
    date_format({{ expr }}, "yyyy-MM-dd'T'HH:mm:ss.SSSSSS")
{%- endmacro %}
