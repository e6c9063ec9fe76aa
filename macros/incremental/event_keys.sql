{#- The keys of every valid event (no details): event_id, tenant_id,
    occurred_at and loaded_at, from the one union of the event logs
    (int_events_unioned), for the change detection of the incremental
    fct_events. -#}
{% macro union_event_keys() -%}
    select
        event_id,
        tenant_id,
        occurred_at,
        loaded_at
    from {{ ref('int_events_unioned') }}
{%- endmacro %}

{#- pre_hook of fct_events: drop the events that are no longer valid
    (a redelivered copy quarantined, a reference that turned bad).
    Dispatched: Spark drops date partitions (macros/incremental/
    spark_partitions.sql). -#}
{% macro delete_vanished_events() -%}
    {{ return(adapter.dispatch('delete_vanished_events', 'retail_saas')()) }}
{%- endmacro %}

{% macro default__delete_vanished_events() -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where event_id not in (
        select current_events.event_id
        from ({{ union_event_keys() }}) as current_events
    )
    {%- endif -%}
{%- endmacro %}

{#- The event_ids fct_events must (re)write: new or redelivered since the
    last run (loaded_at differs), valid again (absent), moved to another
    tenant-local day (a tenant's timezone changed), plus everything in the
    lookback window and the backfill days. -#}
{% macro changed_event_ids() -%}
    select current_events.event_id
    from (
        select
            keyed.event_id,
            keyed.tenant_id,
            keyed.occurred_at,
            keyed.loaded_at,
            {{ to_local_date('keyed.occurred_at', 'tenants.timezone') }}
                as activity_date
        from ({{ union_event_keys() }}) as keyed
        left join {{ ref('dim_tenants') }} as tenants
            on keyed.tenant_id = tenants.tenant_id
    ) as current_events
    left join {{ this }} as previous
        on current_events.event_id = previous.event_id
    where
        previous.event_id is null
        or current_events.loaded_at <> previous.loaded_at
        or current_events.activity_date <> previous.activity_date
        or {{ incremental_window(
            'current_events.loaded_at',
            'select max(loaded_at) from ' ~ this,
            'current_events.occurred_at') }}
{%- endmacro %}
