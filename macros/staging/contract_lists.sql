{#- raw_contract rule 5: every enumerated column, per source table, with
    its list of allowed values (exact, case-sensitive) and whether null is
    allowed. `seed` and `seed_column` instead of `values` read the list from
    a seed (grades come from the seed contact_grades). Columns not listed
    here are free text. Used by not_in_contract_list (validation) and the
    in_contract_list generic test. -#}
{% macro contract_lists() %}
    {%- set message_channels = [
        'email', 'sms', 'facebook', 'instagram', 'whatsapp'] -%}
    {%- set plans = ['starter', 'pro', 'enterprise'] -%}
    {%- set grades = {
        'seed': 'contact_grades', 'seed_column': 'grade', 'nullable': true} -%}
    {{ return({
        'tenants': {
            'plan': {'values': plans}},
        'user_profile': {
            'role': {'values': ['owner', 'admin', 'team_lead', 'agent']}},
        'templates': {
            'scope': {'values': ['personal', 'team', 'brand']},
            'format': {'values': ['html', 'text']}},
        'contacts': {
            'grade': grades},
        'sla_policies': {
            'channel': {'values': message_channels}},
        'account_binding_log': {
            'binding_type': {'values': ['email', 'social', 'sms']},
            'provider': {'values': ['gmail', 'outlook', 'imap', 'facebook',
                'instagram', 'whatsapp', 'twilio']},
            'status': {'values': ['success', 'failure']}},
        'raw_message': {
            'channel': {'values': message_channels},
            'direction': {'values': ['inbound', 'outbound']}},
        'notification_log': {
            'source': {'values': ['inbox', 'system', 'brand_campaign',
                'automation']},
            'channel': {'values': ['push', 'email', 'in_app', 'sms']},
            'status': {'values': ['sent', 'delivered', 'opened', 'failed']}},
        'ai_assist_log': {
            'action': {'values': ['generate', 'apply', 'edit', 'save',
                'send', 'discard']},
            'feature': {'values': ['compose', 'reply', 'subject_line',
                'rewrite', 'translate']}},
        'template_log': {
            'action': {'values': ['use', 'apply', 'edit', 'copy', 'create',
                'delete']}},
        'product_log': {
            'action': {'values': ['add', 'update', 'delete', 'sync']},
            'source_platform': {'values': ['shopify', 'woocommerce',
                'magento', 'manual', 'csv']}},
        'sync_log': {
            'status': {'values': ['success', 'partial', 'failure',
                'running']}},
        'cdn_log': {
            'distribution': {'values': ['catalog', 'brand_assets']}},
        'contact_log': {
            'action': {'values': ['add', 'update', 'delete', 'segment_add',
                'segment_remove', 'grade_change']},
            'old_grade': grades,
            'new_grade': grades},
        'import_log': {
            'source': {'values': ['shopify', 'csv', 'mailchimp', 'klaviyo',
                'hubspot']}},
        'automation_log': {
            'trigger_type': {'values': ['birthday', 'wishlist',
                'abandoned_cart', 'anniversary', 'winback']},
            'status': {'values': ['triggered', 'sent', 'failed',
                'skipped']}},
        'asset_log': {
            'asset_type': {'values': ['image', 'video', 'pdf', 'logo']},
            'action': {'values': ['publish', 'view', 'download', 'share']}},
        'campaign_log': {
            'action': {'values': ['publish', 'view', 'use', 'copy',
                'send']}},
        'user_log': {
            'action': {'values': ['signup', 'login', 'logout', 'page_view',
                'module_activated', 'module_deactivated']},
            'module': {'values': ['inbox', 'ai_assist', 'templates',
                'catalog', 'analytics', 'crm', 'brand_center'],
                'nullable': true}},
        'subscription_log': {
            'action': {'values': ['trial_started', 'activated', 'renewed',
                'cancelled', 'expired', 'upgraded', 'downgraded']},
            'plan': {'values': plans, 'nullable': true}},
    }) }}
{% endmacro %}
