{#- The raw contract's tables, in one place: for each source table, its
    source, the entity name of its staging models (stg_<source>__<model>),
    its key and the columns the contract promises, in contract order.
    Event logs also name their time column (as staged: occurred_at,
    started_at, log_date) and their references, the contract's rules 2, 3,
    4, 9 and 10: [column or list of columns of the staged log, the raw
    table whose key they name]. Read by assert_source_columns
    (missing-column check), the row conservation test, stg_quarantined_rows,
    the yml parity test and the incremental marts (touched_by_logs:
    which changes reach which rows); the sources' yml describes the same
    columns. -#}
{% macro staging_tables() %}
    {#- brand logs (notification, asset, campaign): rules 2, 3 and 9 -#}
    {%- set brand_log_references = [
        ['tenant_id', 'tenants'],
        ['brand_id', 'brands'],
        [['brand_id', 'tenant_id'], 'brand_retailers'],
        ['user_id', 'user_profile'],
    ] -%}
    {{ return({
        'brands': {
            'source': 'app', 'model': 'brands', 'key': ['brand_id'],
            'columns': ['brand_id', 'name', 'created_at', '_loaded_at']},
        'tenants': {
            'source': 'app', 'model': 'tenants', 'key': ['tenant_id'],
            'columns': ['tenant_id', 'name', 'timezone', 'country', 'plan',
                'created_at', '_loaded_at']},
        'brand_retailers': {
            'source': 'app', 'model': 'brand_retailers',
            'key': ['brand_id', 'tenant_id'],
            'columns': ['brand_id', 'tenant_id', 'authorized_at',
                '_loaded_at']},
        'teams': {
            'source': 'app', 'model': 'teams', 'key': ['team_id'],
            'columns': ['team_id', 'tenant_id', 'name', 'created_at',
                '_loaded_at']},
        'user_profile': {
            'source': 'app', 'model': 'users', 'key': ['user_id'],
            'columns': ['user_id', 'tenant_id', 'team_id', 'role', 'email',
                'phone', 'created_at', 'deleted_at', '_loaded_at']},
        'templates': {
            'source': 'app', 'model': 'templates', 'key': ['template_id'],
            'columns': ['template_id', 'tenant_id', 'brand_id',
                'owner_user_id', 'team_id', 'scope', 'language', 'format',
                'created_at', 'deleted_at', '_loaded_at']},
        'contacts': {
            'source': 'app', 'model': 'contacts', 'key': ['contact_id'],
            'columns': ['contact_id', 'tenant_id', 'email', 'phone', 'grade',
                'source', 'created_at', 'updated_at', '_loaded_at']},
        'sla_policies': {
            'source': 'app', 'model': 'sla_policies',
            'key': ['tenant_id', 'channel'],
            'columns': ['tenant_id', 'channel', 'first_reply_target_minutes',
                '_loaded_at']},
        'account_binding_log': {
            'source': 'events', 'model': 'binding_attempts',
            'key': ['attempt_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['user_id', 'user_profile'],
            ],
            'columns': ['attempt_id', 'tenant_id', 'user_id', 'binding_type',
                'provider', 'status', 'error_code', 'event_time',
                '_loaded_at']},
        'raw_message': {
            'source': 'events', 'model': 'messages', 'key': ['message_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['contact_id', 'contacts'],
                ['user_id', 'user_profile'],
                ['template_id', 'templates'],
                ['in_reply_to_message_id', 'raw_message'],
            ],
            'columns': ['message_id', 'tenant_id', 'conversation_id',
                'contact_id', 'user_id', 'channel', 'direction',
                'in_reply_to', 'is_automated', 'template_id',
                'ai_generation_id', 'catalog_product_count', 'event_time',
                '_loaded_at']},
        'notification_log': {
            'source': 'events', 'model': 'notification_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': brand_log_references,
            'columns': ['event_id', 'notification_id', 'tenant_id',
                'user_id', 'brand_id', 'source', 'channel', 'status',
                'event_time', '_loaded_at']},
        'ai_assist_log': {
            'source': 'events', 'model': 'ai_assist_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['user_id', 'user_profile'],
                ['template_id', 'templates'],
            ],
            'columns': ['event_id', 'generation_id', 'tenant_id', 'user_id',
                'action', 'feature', 'macro_id', 'template_id', 'model',
                'prompt_tokens', 'completion_tokens', 'event_time',
                '_loaded_at']},
        'template_log': {
            'source': 'events', 'model': 'template_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['user_id', 'user_profile'],
                ['template_id', 'templates'],
            ],
            'columns': ['event_id', 'tenant_id', 'user_id', 'template_id',
                'action', 'event_time', '_loaded_at']},
        'product_log': {
            'source': 'events', 'model': 'product_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
            ],
            'columns': ['event_id', 'tenant_id', 'product_id', 'action',
                'source_platform', 'event_time', '_loaded_at']},
        'sync_log': {
            'source': 'events', 'model': 'syncs', 'key': ['sync_id'],
            'time': 'started_at',
            'references': [
                ['tenant_id', 'tenants'],
            ],
            'columns': ['sync_id', 'tenant_id', 'platform', 'started_at',
                'finished_at', 'status', 'items_synced', 'error_code',
                '_loaded_at']},
        'media_log': {
            'source': 'events', 'model': 'media_uploads',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
            ],
            'columns': ['event_id', 'tenant_id', 'image_id', 'content_type',
                'bytes', 'event_time', '_loaded_at']},
        'cdn_log': {
            'source': 'events', 'model': 'cdn_daily_totals',
            'key': ['log_date', 'tenant_id', 'distribution'],
            'time': 'log_date',
            'references': [
                ['tenant_id', 'tenants'],
            ],
            'columns': ['log_date', 'tenant_id', 'distribution', 'requests',
                'bytes_served', '_loaded_at']},
        'contact_log': {
            'source': 'events', 'model': 'contact_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['contact_id', 'contacts'],
                ['user_id', 'user_profile'],
            ],
            'columns': ['event_id', 'tenant_id', 'contact_id', 'user_id',
                'action', 'source', 'segment_id', 'old_grade', 'new_grade',
                'event_time', '_loaded_at']},
        'import_log': {
            'source': 'events', 'model': 'imports',
            'key': ['import_batch_id'],
            'time': 'started_at',
            'references': [
                ['tenant_id', 'tenants'],
            ],
            'columns': ['import_batch_id', 'tenant_id', 'source',
                'rows_received', 'rows_imported', 'rows_rejected',
                'started_at', 'finished_at', '_loaded_at']},
        'automation_log': {
            'source': 'events', 'model': 'automation_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['contact_id', 'contacts'],
            ],
            'columns': ['event_id', 'tenant_id', 'automation_id',
                'trigger_type', 'contact_id', 'channel', 'status',
                'event_time', '_loaded_at']},
        'asset_log': {
            'source': 'events', 'model': 'asset_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': brand_log_references,
            'columns': ['event_id', 'brand_id', 'asset_id', 'asset_type',
                'tenant_id', 'user_id', 'action', 'bytes', 'event_time',
                '_loaded_at']},
        'campaign_log': {
            'source': 'events', 'model': 'campaign_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': brand_log_references,
            'columns': ['event_id', 'brand_id', 'campaign_id', 'tenant_id',
                'user_id', 'action', 'recipients_count', 'event_time',
                '_loaded_at']},
        'user_log': {
            'source': 'events', 'model': 'user_events', 'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
                ['user_id', 'user_profile'],
            ],
            'columns': ['event_id', 'tenant_id', 'user_id', 'action',
                'module', 'event_time', '_loaded_at']},
        'subscription_log': {
            'source': 'events', 'model': 'subscription_events',
            'key': ['event_id'],
            'time': 'occurred_at',
            'references': [
                ['tenant_id', 'tenants'],
            ],
            'columns': ['event_id', 'tenant_id', 'subscription_id', 'action',
                'plan', 'period_start', 'period_end', 'amount_cents',
                'currency', 'event_time', '_loaded_at']},
    }) }}
{% endmacro %}
