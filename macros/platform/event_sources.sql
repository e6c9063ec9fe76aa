{#- The ONE list of event sources behind fct_events, int_as_of and
    int_activities_unioned (GitLab-style: add a log here, not in three
    models). Every valid row of every event log except cdn_log (daily
    totals, no event time).

    Each entry:
      source_table     the raw log's name (goes into event_id and
                       source_table)
      model            its staging model
      key              the log's key column (one column for every log here)
      tenant_column / brand_column / user_column
                       the envelope's ids, none when the log has no such
                       column (cast null)
      module           SQL expression: the product module (product_modules
                       seed, plus platform and billing)
      event_type       SQL expression: what happened, '<entity>_<action>'
      time_column      occurred_at, or started_at for syncs and imports
                       (kpis.md)
      detail_columns   the row's other columns, packed into details (JSON)
      activity_filter  SQL condition, or none when the log is not activity
                       (kpis.md "Activity"); user_id is not null is added
                       by the union macro. -#}
{% macro event_sources() %}
    {{ return([
        {
            'source_table': 'account_binding_log',
            'model': 'stg_events__binding_attempts',
            'key': 'attempt_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': 'user_id',
            'module': "'inbox'",
            'event_type': dbt.concat(["'binding_'", 'status']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'binding_type', 'provider', 'status', 'error_code'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'raw_message',
            'model': 'stg_events__messages',
            'key': 'message_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': 'user_id',
            'module': "'inbox'",
            'event_type': dbt.concat(["'message_'", 'direction']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'conversation_id', 'contact_id', 'channel', 'direction',
                'in_reply_to_message_id', 'is_automated', 'template_id',
                'ai_generation_id', 'catalog_product_count'],
            'activity_filter':
                "direction = 'outbound' and is_automated = false",
        },
        {
            'source_table': 'notification_log',
            'model': 'stg_events__notification_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': 'brand_id',
            'user_column': 'user_id',
            'module': "case source when 'inbox' then 'inbox'"
                ~ " when 'brand_campaign' then 'brand_center'"
                ~ " when 'automation' then 'crm' else 'platform' end",
            'event_type': dbt.concat(["'notification_'", 'status']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'notification_id', 'source', 'channel', 'status'],
            'activity_filter': none,
        },
        {
            'source_table': 'ai_assist_log',
            'model': 'stg_events__ai_assist_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': 'user_id',
            'module': "'ai_assist'",
            'event_type': dbt.concat(["'ai_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'generation_id', 'action', 'feature', 'macro_id',
                'template_id', 'model', 'prompt_tokens',
                'completion_tokens'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'template_log',
            'model': 'stg_events__template_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': 'user_id',
            'module': "'templates'",
            'event_type': dbt.concat(["'template_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': ['template_id', 'action'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'product_log',
            'model': 'stg_events__product_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': none,
            'module': "'catalog'",
            'event_type': dbt.concat(["'product_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': ['product_id', 'action', 'source_platform'],
            'activity_filter': none,
        },
        {
            'source_table': 'sync_log',
            'model': 'stg_events__syncs',
            'key': 'sync_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': none,
            'module': "'catalog'",
            'event_type': dbt.concat(["'sync_'", 'status']),
            'time_column': 'started_at',
            'detail_columns': [
                'platform', 'finished_at', 'status', 'items_synced',
                'error_code'],
            'activity_filter': none,
        },
        {
            'source_table': 'media_log',
            'model': 'stg_events__media_uploads',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': none,
            'module': "'catalog'",
            'event_type': "'image_upload'",
            'time_column': 'occurred_at',
            'detail_columns': ['image_id', 'content_type', 'bytes'],
            'activity_filter': none,
        },
        {
            'source_table': 'contact_log',
            'model': 'stg_events__contact_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': 'user_id',
            'module': "'crm'",
            'event_type': dbt.concat(["'contact_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'contact_id', 'action', 'source', 'segment_id',
                'old_grade', 'new_grade'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'import_log',
            'model': 'stg_events__imports',
            'key': 'import_batch_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': none,
            'module': "'crm'",
            'event_type': "'contact_import'",
            'time_column': 'started_at',
            'detail_columns': [
                'source', 'rows_received', 'rows_imported',
                'rows_rejected', 'finished_at'],
            'activity_filter': none,
        },
        {
            'source_table': 'automation_log',
            'model': 'stg_events__automation_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': none,
            'module': "'crm'",
            'event_type': dbt.concat(["'automation_'", 'status']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'automation_id', 'trigger_type', 'contact_id', 'channel',
                'status'],
            'activity_filter': none,
        },
        {
            'source_table': 'asset_log',
            'model': 'stg_events__asset_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': 'brand_id',
            'user_column': 'user_id',
            'module': "'brand_center'",
            'event_type': dbt.concat(["'asset_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': ['asset_id', 'asset_type', 'action', 'bytes'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'campaign_log',
            'model': 'stg_events__campaign_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': 'brand_id',
            'user_column': 'user_id',
            'module': "'brand_center'",
            'event_type': dbt.concat(["'campaign_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': ['campaign_id', 'action', 'recipients_count'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'user_log',
            'model': 'stg_events__user_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': 'user_id',
            'module': "coalesce(module, 'platform')",
            'event_type': dbt.concat(["'user_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': ['action', 'module'],
            'activity_filter': '1 = 1',
        },
        {
            'source_table': 'subscription_log',
            'model': 'stg_events__subscription_events',
            'key': 'event_id',
            'tenant_column': 'tenant_id',
            'brand_column': none,
            'user_column': none,
            'module': "'billing'",
            'event_type': dbt.concat(["'subscription_'", 'action']),
            'time_column': 'occurred_at',
            'detail_columns': [
                'subscription_id', 'action', 'plan', 'period_start_at',
                'period_end_at', 'amount_cents', 'currency'],
            'activity_filter': none,
        },
    ]) }}
{% endmacro %}


{#- Union the event sources into one envelope: the body of
    int_events_unioned, the one union every other model reads.
    Columns: event_id, tenant_id, brand_id, user_id, source_table, module,
    event_type, occurred_at, details (JSON text), loaded_at, is_activity
    (the row is activity, kpis.md "Activity": an activity log's row
    passing its activity_filter, with a user_id). event_id is
    '<source_table>:<key>' (macro event_id).
    Argument: sources, the list to union; default event_sources(). -#}
{% macro union_event_sources(sources=none) %}
    {%- set sources = sources if sources is not none else event_sources() -%}
    {%- set string_type = dbt.type_string() -%}
    {%- for source in sources %}
    select
        cast({{ event_id(source) }} as {{ string_type }}) as event_id,
        cast({{ source.tenant_column or 'null' }} as {{ string_type }})
            as tenant_id,
        cast({{ source.brand_column or 'null' }} as {{ string_type }})
            as brand_id,
        cast({{ source.user_column or 'null' }} as {{ string_type }})
            as user_id,
        cast('{{ source.source_table }}' as {{ string_type }})
            as source_table,
        cast({{ source.module }} as {{ string_type }}) as module,
        cast({{ source.event_type }} as {{ string_type }}) as event_type,
        cast({{ source.time_column }} as {{ dbt.type_timestamp() }})
            as occurred_at,
        {{ json_object_text(source.detail_columns) }} as details,
        cast(loaded_at as {{ dbt.type_timestamp() }}) as loaded_at,
        {%- if source.activity_filter is none %}
        false as is_activity
        {%- else %}
        coalesce(
            {{ source.user_column }} is not null
            and ({{ source.activity_filter }}),
            false
        ) as is_activity
        {%- endif %}
    from {{ ref(source.model) }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
{% endmacro %}

{#- The event_id of a row of an event source (fct_events' key):
    '<source_table>:<key>', unique across logs since keys are unique
    within a log. Argument: source, an entry of event_sources(). -#}
{% macro event_id(source) -%}
    {{ dbt.concat(["'" ~ source.source_table ~ ":'",
        'cast(' ~ source.key ~ ' as ' ~ dbt.type_string() ~ ')']) }}
{%- endmacro %}
