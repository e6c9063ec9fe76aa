{#- Daily marts recomputed per (tenant, tenant-local day) partition.

    partition_key(tenant_column, date_column): one text key per partition,
    '' for a null tenant.

    changed_partitions(sources): the partition keys touched by a change.
    Each source is a dict:
      base      the base_ model of a log (every copy, valid or not)
      key       its key columns
      time      its time column (occurred_at, started_at)
      refs      list of [column, base model, key column]: snapshot rows
                the log's rows are validated or dated against
    A partition is touched when it holds any copy (old or new, valid or
    not) of a key that has a copy loaded in the lookback window, or a row
    that refers to a snapshot row (tenant, user, contact ...) loaded in the
    window: a redelivery that moves a row to another day clears the old
    day, and a row whose tenant or user lands late changes its validity.
    The window is measured from the newest trusted loaded_at of the
    sources (no later than the run's start, rule 11), so
    every run must come within incremental_lookback_days of the last one
    (else --full-refresh or the backfill vars). -#}

{#- The relation of a model by name, without ref(): the sources read
    here (base_ models, stg_app__tenants) are all upstream of the daily
    marts anyway, and a ref would make every unit test of the mart give
    them as inputs. -#}
{% macro upstream_relation(model_name) -%}
    {%- if not execute -%}
        {{ return(model_name) }}
    {%- endif -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.package_name == project_name
            and node.name == model_name -%}
            {{ return(api.Relation.create(
                database=node.database, schema=node.schema,
                identifier=node.alias)) }}
        {%- endif -%}
    {%- endfor -%}
    {{ exceptions.raise_compiler_error('no model ' ~ model_name) }}
{%- endmacro %}

{% macro partition_key(tenant_column, date_column) -%}
    {{ dbt.concat([
        'coalesce(' ~ tenant_column ~ ", '')", "'|'",
        'cast(' ~ date_column ~ ' as ' ~ dbt.type_string() ~ ')']) }}
{%- endmacro %}

{% macro changed_partitions(sources) -%}
    {%- set maxima = [] -%}
    {%- for source in sources -%}
        {#- trusted copies only (raw_contract "Time bounds"): a copy
            landed after the run's start (rule 11, e.g. 9999-12-31) must
            not move the window past the rows still to process -#}
        {%- do maxima.append('select max(loaded_at) as loaded_at from '
            ~ upstream_relation(source.base) ~ ' where loaded_at <= '
            ~ run_start_timestamp()) -%}
    {%- endfor -%}
    {%- set newest = 'select max(loaded_at) from ('
        ~ maxima | join(' union all ') ~ ') as newest' -%}
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
        from {{ upstream_relation(source.base) }} as copies
        where ({{ key }}) in (
            select {{ key }}
            from {{ upstream_relation(source.base) }}
            where {{ incremental_window(
                'loaded_at', newest, source.time) }}
        )
        {%- for column, snapshot, snapshot_key in source.refs %}
        union all
        select
            copies.tenant_id,
            copies.{{ source.time }} as touched_at
        from {{ upstream_relation(source.base) }} as copies
        where copies.{{ column }} in (
            select {{ snapshot_key }}
            from {{ upstream_relation(snapshot) }}
            where {{ incremental_window('loaded_at', newest) }}
        )
        {%- endfor %}
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    ) as touched
    left join {{ upstream_relation('stg_app__tenants') }} as tenants
        on touched.tenant_id = tenants.tenant_id
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
