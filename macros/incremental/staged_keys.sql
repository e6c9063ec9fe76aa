{#- Incremental staging (docs/decisions.md "Incremental loads"): each
    val_events__ model restages, on an incremental run, only the keys
    whose result can change, taking ALL their copies from the lake and
    running the same dedupe and validation SQL as a full build (which is
    the same SQL, unfiltered). The keys come from staging_tables(): the
    table's key, time column and references. -#}

{#- Materialization of the val_events__ models (dispatched): incremental
    (delete+insert by key) where the adapter deletes rows; a table on
    Spark, whose parquet tables have no delete and no key to overwrite. -#}
{% macro staging_materialization() -%}
    {{ return(adapter.dispatch('staging_materialization', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__staging_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__staging_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- The config of a val_events__ model: `{{ config(validated_events_config(
    '<raw table>')) }}`. -#}
{% macro validated_events_config(table_name) -%}
    {%- set unique_key = [] -%}
    {%- for column in staging_tables()[table_name]['key'] -%}
        {%- do unique_key.append(staged_column_name(column)) -%}
    {%- endfor -%}
    {{ return({
        'materialized': staging_materialization(),
        'incremental_strategy': incremental_strategy(),
        'unique_key': unique_key,
        'pre_hook': [
            "{{ begin_incremental_run() }}",
            "{{ delete_keyless_rows('" ~ table_name ~ "') }}",
        ],
        'post_hook': "{{ record_staged_run('" ~ table_name ~ "') }}",
    }) }}
{%- endmacro %}

{#- The raw columns of `table_name` behind its staged references, its
    time column and the keys it refers to in event tables (itself). -#}
{% macro staged_reference_columns(table_name) -%}
    {%- set table = staging_tables()[table_name] -%}
    {%- set wanted = [table['time']] -%}
    {%- for columns, referenced in table['references'] -%}
        {%- for column in ([columns] if columns is string else columns)
                if column not in wanted -%}
            {%- do wanted.append(column) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- set raw = [] -%}
    {%- for column in table['columns']
            if staged_column_name(column) in wanted -%}
        {%- do raw.append(column) -%}
    {%- endfor -%}
    {{ return(raw) }}
{%- endmacro %}

{#- The CTEs staged_keys_copies .. staged_keys_context (no leading `with`,
    trailing comma included). staged_keys_to_stage: the keys whose
    result can change since this model's last run:
      - a copy loaded after its last high-water mark (loaded_since; no
        upper bound, so a copy quarantined for landing after a run's start,
        rule 11, stays in until a run starts after it), or a copy whose
        _loaded_at is missing or unreadable (no time to tell when it
        landed: few, restaged every run);
      - a reference (staging_tables) to an app snapshot key changed since
        its last run (changed_snapshot_keys), and for a template, a
        brand_retailers change of (its brand, the row's tenant) (rule 3's
        brand-published templates);
      - a reference to the table itself (a reply's parent message): a row
        whose referenced key is restaged is checked again. One level is
        enough: the parent is checked without its own reply rules.
    staged_keys_context: those keys and the keys they refer to in the
    table itself (the parents a reply is checked against). -#}
{% macro staged_key_ctes(table_name) -%}
    {%- set table = staging_tables()[table_name] -%}
    {%- set native_types = lake_native_types(table['source'], table_name) -%}
    {%- set mark = last_incremental_run('high_water_mark') -%}
    {%- set self_refs = [] -%}
    {%- for columns, referenced in table['references']
            if staging_tables()[referenced]['source'] != 'app' -%}
        {%- if referenced != table_name or columns is not string -%}
            {{ exceptions.raise_compiler_error(
                'staged_key_ctes: ' ~ table_name ~ ' refers to '
                ~ referenced ~ '; only a single-column reference to the '
                ~ 'table itself is restaged (macros/incremental/'
                ~ 'staged_keys.sql)') }}
        {%- endif -%}
        {%- do self_refs.append(columns) -%}
    {%- endfor -%}
staged_keys_copies as (

    select
        {{ staged_key_text(table_name, native_types=native_types) }}
            as staged_key,
        {%- for column in staged_reference_columns(table_name) %}
        {{ staged_column(column, native_types) }}
            as {{ staged_column_name(column) }},
        {%- endfor %}
        {{ staged_column('_loaded_at', native_types) }} as loaded_at
    from {{ source(table['source'], table_name) }}

),

staged_keys_changed as (

    select copies.staged_key
    from staged_keys_copies as copies
    where
        {{ loaded_since('copies.loaded_at', mark,
            'copies.' ~ table['time']) }}
        or copies.loaded_at is null
    {%- for columns, snapshot in table['references']
            if staging_tables()[snapshot]['source'] == 'app' %}
    {%- set columns = [columns] if columns is string else columns %}
    union
    select copies.staged_key
    from staged_keys_copies as copies
    where {{ snapshot_key_text(columns, 'copies') }} in (
        {{ changed_snapshot_keys(snapshot) }}
    )
    {%- if snapshot == 'templates' %}
    union
    select copies.staged_key
    from staged_keys_copies as copies
    inner join {{ ref('stg_app__templates') }} as templates
        on copies.{{ columns[0] }} = templates.template_id
    where {{ dbt.concat(['templates.brand_id', "'|'", 'copies.tenant_id']) }}
        in ({{ changed_snapshot_keys('brand_retailers') }})
    {%- endif %}
    {%- endfor %}

),

staged_keys_to_stage as (

    select staged_key from staged_keys_changed
    {%- for column in self_refs %}
    union
    select copies.staged_key
    from staged_keys_copies as copies
    where copies.{{ column }} in (
        select staged_key from staged_keys_changed
    )
    {%- endfor %}

),

staged_keys_context as (

    select staged_key from staged_keys_to_stage
    {%- for column in self_refs %}
    union
    select copies.{{ column }}
    from staged_keys_copies as copies
    where copies.staged_key in (
        select staged_key from staged_keys_to_stage
    )
    {%- endfor %}

),
{%- endmacro %}

{#- The CTEs a val_events__ model reads its copies from (no leading
    `with`): every copy on a full build, the copies of the keys to restage
    on an incremental run; the model reads copies_ranked. Its `-- depends_on`
    lines name what the incremental run reads (the docs' lineage) and its
    base_ view (the same SQL; its missing-column check fails first and
    skips the model). -#}
{% macro changed_copies(table_name) -%}
    {%- set table = staging_tables()[table_name] %}
-- depends_on: {{ ref('base_' ~ table['source'] ~ '__' ~ table['model']) }}
-- depends_on: {{ ref('int_incremental_manifest') }}
-- depends_on: {{ ref('int_snapshot_changes') }}
    {%- set referenced = staging_tables()[table_name]['references']
        | map('last') | list %}
    {%- if 'templates' in referenced %}
-- depends_on: {{ ref('stg_app__templates') }}
    {%- endif %}
{% if is_incremental() %}
{{ staged_key_ctes(table_name) }}

{% endif -%}
{{ staged_copies(table_name, only_changed=is_incremental()) }}
{%- endmacro %}

{#- The end of a val_events__ model's final select: on an incremental run
    of a table that refers to itself, only the restaged keys (and blank
    keys) are written, not the parents read for their checks ('' else). -#}
{% macro restaged_rows_only(table_name) -%}
    {%- set self_refs = [] -%}
    {%- for columns, referenced in staging_tables()[table_name]['references']
            if referenced == table_name -%}
        {%- do self_refs.append(columns) -%}
    {%- endfor -%}
    {%- if is_incremental() and self_refs %}
where
    {{ staged_key_text(table_name) }} in (
        select staged_key from staged_keys_to_stage
    )
    or {{ staged_key_is_blank(table_name) }}
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of a val_events__ model: rows with a blank key part share no
    key to delete by; an incremental run deletes them all and restages
    them all (they are few). -#}
{% macro delete_keyless_rows(table_name) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ staged_key_is_blank(table_name) }}
    {%- endif -%}
{%- endmacro %}

{#- post_hook of a val_events__ model: its run manifest row. High-water
    mark: the newest trusted loaded_at (no later than the run's start)
    it holds, which is the lake's newest (a copy it does not hold lost
    the collapse to a later one); rows in: the rows restaged (all on a
    full build); partitions touched: null (not partitioned). -#}
{% macro record_staged_run(table_name) -%}
    {%- set incremental = model.get('retail_saas_incremental',
        not flags.FULL_REFRESH) -%}
    {%- set mark -%}
        select coalesce(max(loaded_at),
            {{ last_incremental_run('high_water_mark') }})
        from {{ this }}
        where loaded_at <= {{ run_start_timestamp() }}
    {%- endset -%}
    {%- if incremental -%}
        {%- set rows -%}
            select count(*) from {{ this }}
            where {{ staged_key_text(table_name) }} in (
                with
                {{ staged_key_ctes(table_name) }}
                restaged as (select staged_key from staged_keys_to_stage)
                select staged_key from restaged
            )
            or {{ staged_key_is_blank(table_name) }}
        {%- endset -%}
    {%- else -%}
        {%- set rows = 'select count(*) from ' ~ this -%}
    {%- endif -%}
    {{ return(record_incremental_run(mark, rows,
        'select cast(null as ' ~ dbt.type_bigint() ~ ')')) }}
{%- endmacro %}
