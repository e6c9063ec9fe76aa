{#- Daily marts recomputed per (tenant, tenant-local day) partition
    (docs/decisions.md "Incremental loads").

    touched_by_logs(tables): the sources of changed_partitions, derived
    from staging_tables(), the one declaration of each log's key, time
    column and references.

    incremental_inputs(sources): the `-- depends_on` lines of a daily
    mart, so that every model its hooks and filters read is a ref (and
    shows in the docs' lineage).

    partition_key(tenant_column, date_column): one text key per partition,
    '' for a null tenant.

    changed_partitions(sources): the partition keys touched since this
    model's last recorded run (int_incremental_manifest). Each source is a
    dict (touched_by_logs):
      table     the raw log
      base      its base_ model (every copy, valid or not)
      key       its key columns
      time      its time column (occurred_at, started_at)
      refs      list of [columns, raw snapshot table]: the snapshot rows
                the log's rows are validated against
    A partition is touched when it holds any copy (old or new, valid or
    not) of a key that has a copy loaded after the model's last
    high-water mark (loaded_since), or a row that refers to a snapshot row
    whose validated fingerprint changed since the model's last run
    (int_snapshot_changes: a user moved team, its team moved tenant, a
    contact or tenant changed ...): a redelivery that moves a row to
    another day clears the old day, and a row whose user turns invalid
    changes validity. A tenant whose row changed also touches every
    partition the mart holds for it (its timezone may have moved every
    row to another local day). However long since the last run, the window
    covers it: no backfill var is needed after missed runs. -#}

{% macro touched_by_logs(tables) -%}
    {%- set declared = staging_tables() -%}
    {%- set sources = [] -%}
    {%- for table_name in tables -%}
        {%- set table = declared[table_name] -%}
        {%- set refs = [] -%}
        {%- for columns, referenced in table['references']
                if declared[referenced]['source'] == 'app' -%}
            {%- do refs.append([
                [columns] if columns is string else columns, referenced]) -%}
        {%- endfor -%}
        {%- do sources.append({
            'table': table_name,
            'base': 'base_' ~ table['source'] ~ '__' ~ table['model'],
            'key': table['key'], 'time': table['time'], 'refs': refs}) -%}
    {%- endfor -%}
    {{ return(sources) }}
{%- endmacro %}

{% macro incremental_inputs(sources) -%}
    {#- a unit test pins is_incremental false and reads none of them -#}
    {%- if model.resource_type == 'unit_test' -%}
        {{ return('') }}
    {%- endif -%}
    {%- for source in sources %}
-- depends_on: {{ ref(source.base) }}
    {%- endfor %}
-- depends_on: {{ ref('int_snapshot_changes') }}
-- depends_on: {{ ref('int_incremental_manifest') }}
-- depends_on: {{ ref('dim_tenants') }}
{%- endmacro %}

{% macro partition_key(tenant_column, date_column) -%}
    {{ dbt.concat([
        'coalesce(' ~ tenant_column ~ ", '')", "'|'",
        'cast(' ~ date_column ~ ' as ' ~ dbt.type_string() ~ ')']) }}
{%- endmacro %}

{#- The snapshot keys of `table_name` (a raw app table) whose validated
    row changed since this model's last recorded run. -#}
{% macro changed_snapshot_keys(table_name) -%}
    select changes.snapshot_key
    from {{ ref('int_snapshot_changes') }} as changes
    where changes.snapshot_table = '{{ table_name }}'
        and changes.detected_at > coalesce(
            {{ last_incremental_run('run_started_at') }},
            cast('1900-01-01' as {{ dbt.type_timestamp() }}))
{%- endmacro %}

{% macro changed_partitions(sources) -%}
    {%- set mark = last_incremental_run('high_water_mark') -%}
    select distinct
        {{ partition_key('touched.tenant_id',
            to_local_date('touched.touched_at', 'tenants.timezone')) }}
            as partition_key
    from (
        {%- for source in sources %}
        {%- set key = source.key | join(', ') %}
        select
            copies.tenant_id,
            copies.{{ source.time }} as touched_at
        from {{ ref(source.base) }} as copies
        where ({{ key }}) in (
            select {{ key }}
            from {{ ref(source.base) }}
            where {{ loaded_since('loaded_at', mark, source.time) }}
        )
        {%- for columns, snapshot in source.refs %}
        union all
        select
            copies.tenant_id,
            copies.{{ source.time }} as touched_at
        from {{ ref(source.base) }} as copies
        where {{ snapshot_key_text(columns, 'copies') }} in (
            {{ changed_snapshot_keys(snapshot) }}
        )
        {%- endfor %}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as touched
    left join {{ ref('dim_tenants') }} as tenants
        on touched.tenant_id = tenants.tenant_id
    union
    {# a changed tenant: every day its rows may have been on under ANY
        timezone (a local date is within a day of the UTC date), not read
        from the mart: on Spark the pre_hook has dropped those dates by the
        time the model reads them again -#}
    select distinct
        {{ partition_key('shifted.tenant_id', 'shifted.local_day') }}
            as partition_key
    from (
        {%- for source in sources %}
        {%- set outer_loop = loop %}
        {%- for shift in [-1, 0, 1] %}
        select
            copies.tenant_id,
            cast({{ dbt.dateadd('day', shift, 'copies.' ~ source.time) }}
                as date) as local_day
        from {{ ref(source.base) }} as copies
        where copies.tenant_id in (
            {{ changed_snapshot_keys('tenants') }}
        )
        {%- if not (loop.last and outer_loop.last) %}
        union all
        {%- endif %}
        {%- endfor %}
        {%- endfor %}
    ) as shifted
{%- endmacro %}

{#- pre_hook of a partitioned daily mart: drop the touched partitions
    (also those that end up empty); the model inserts them again.
    Dispatched: Spark drops whole dates (macros/incremental/
    spark_partitions.sql). -#}
{% macro delete_changed_partitions(sources, date_column='activity_date') -%}
    {{ return(adapter.dispatch('delete_changed_partitions', 'retail_saas')(
        sources, date_column)) }}
{%- endmacro %}

{% macro default__delete_changed_partitions(sources, date_column) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where {{ partition_key('tenant_id', date_column) }} in (
        {{ changed_partitions(sources) }}
    )
    {%- endif -%}
{%- endmacro %}

{#- post_hook of a partitioned daily mart: its row of the run manifest.
    High-water mark: the newest trusted loaded_at (no later than the run's
    start, rule 11) of its logs, or the previous mark when nothing is
    there; rows in: the rows of the rewritten partitions. -#}
{% macro record_partitioned_run(sources, date_column='activity_date') -%}
    {%- set incremental = model.get('retail_saas_incremental',
        not flags.FULL_REFRESH) -%}
    {%- set maxima = [] -%}
    {%- for source in sources -%}
        {%- do maxima.append('select max(loaded_at) as loaded_at from '
            ~ ref(source.base) ~ ' where loaded_at <= '
            ~ run_start_timestamp()) -%}
    {%- endfor -%}
    {%- set mark -%}
        select coalesce(max(newest.loaded_at),
            {{ last_incremental_run('high_water_mark') }})
        from ({{ maxima | join(' union all ') }}) as newest
    {%- endset -%}
    {%- if incremental -%}
        {%- set partitions -%}
            select count(*) from (
                {{ changed_partitions(sources) }}
            ) as touched
        {%- endset -%}
        {%- set rows -%}
            select count(*) from {{ this }}
            where {{ partition_key('tenant_id', date_column) }} in (
                {{ changed_partitions(sources) }}
            )
        {%- endset -%}
    {%- else -%}
        {%- set partitions -%}
            select count(*) from (
                select distinct tenant_id, {{ date_column }} from {{ this }}
            ) as stored
        {%- endset -%}
        {%- set rows = 'select count(*) from ' ~ this -%}
    {%- endif -%}
    {{ return(record_incremental_run(mark, rows, partitions)) }}
{%- endmacro %}

{#- One text per snapshot key: the key column, or its columns joined by
    '|' (brand_retailers); null when a part is null. The rows referring to
    a snapshot row give the same text from their own columns. -#}
{% macro snapshot_key_text(columns, row) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- if not loop.first -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
        {%- do parts.append('cast(' ~ row ~ '.' ~ column ~ ' as '
            ~ dbt.type_string() ~ ')') -%}
    {%- endfor -%}
    {{ parts[0] if parts | length == 1 else dbt.concat(parts) }}
{%- endmacro %}

{#- A hash of a validated snapshot row: every column but loaded_at and
    duplicates_removed, nulls marked (columns read from the relation when
    the model runs; null at parse time). -#}
{% macro snapshot_fingerprint(relation, row) -%}
    {%- set parts = [] -%}
    {%- for column in adapter.get_columns_in_relation(relation)
            if column.name | lower not in ['loaded_at', 'duplicates_removed'] -%}
        {%- if not loop.first -%}
            {%- do parts.append("'|'") -%}
        {%- endif -%}
        {%- do parts.append('coalesce(cast(' ~ row ~ '.' ~ column.name ~ ' as '
            ~ dbt.type_string() ~ "), '<null>')") -%}
    {%- endfor -%}
    {%- if parts -%}
        {{ dbt.hash(dbt.concat(parts)) }}
    {%- else -%}
        cast(null as {{ dbt.type_string() }})
    {%- endif -%}
{%- endmacro %}
