{#- Changes of the validated app snapshots, by diff (docs/decisions.md
    "Incremental loads"): one row per snapshot key whose validated row
    appeared, changed (any column or its invalid_reason) or disappeared,
    stamped with the run that saw it (dbt's run_started_at). The first
    build records every key. The incremental daily marts recompute the
    rows that refer to a key changed since their own last run; diffing
    the VALIDATED rows catches indirect changes too (a team moving tenant
    turns its users invalid: the users change) and rows that stopped
    being delivered. loaded_at and duplicates_removed are left out of the
    fingerprint: an identical redelivery changes nothing. -#}
{%- set snapshots = [] -%}
{%- for table_name, table in staging_tables().items()
        if table['source'] == 'app' -%}
    {%- do snapshots.append([table_name, table['key'],
        ref('val_app__' ~ table['model'])]) -%}
{%- endfor -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    file_format=incremental_file_format(),
) }}
with

current_rows as (
    {% for table_name, key, relation in snapshots %}
        select
            '{{ table_name }}' as snapshot_table,
            {{ snapshot_key_text(key, 'validated') }} as snapshot_key,
            {{ snapshot_fingerprint(relation, 'validated') }} as fingerprint
        from {{ relation }} as validated
        where {{ snapshot_key_text(key, 'validated') }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

{%- if is_incremental() %}

ranked_stored as (
    select
        snapshot_table,
        snapshot_key,
        fingerprint,
        row_number() over (
            partition by snapshot_table, snapshot_key
            order by detected_at desc
        ) as recency
    from {{ this }}
),

stored as (
    select
        snapshot_table,
        snapshot_key,
        fingerprint
    from ranked_stored
    where recency = 1
),
{%- endif %}

changed as (
    {%- if is_incremental() %}
    select
        coalesce(current_rows.snapshot_table, stored.snapshot_table)
            as snapshot_table,
        coalesce(current_rows.snapshot_key, stored.snapshot_key)
            as snapshot_key,
        current_rows.fingerprint
    from current_rows
    full outer join stored
        on
            current_rows.snapshot_table = stored.snapshot_table
            and current_rows.snapshot_key = stored.snapshot_key
    where
        (current_rows.fingerprint is null and stored.fingerprint is not null)
        or (
            current_rows.fingerprint is not null
            and (
                stored.fingerprint is null
                or current_rows.fingerprint <> stored.fingerprint
            )
        )
    {%- else %}
        select * from current_rows
    {%- endif %}
),

final as (
    select
        snapshot_table,
        snapshot_key,
        fingerprint,
        {{ run_started_literal() }} as detected_at
    from changed
)

select * from final
