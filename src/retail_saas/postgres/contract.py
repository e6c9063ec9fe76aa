"""The raw contract (../shared/spec/raw_contract.md) as far as the loader
needs it: the columns every table must have, and the contract type of a
column by its name (the loader lands every column as text; the base models
read each as its contract type)."""

from __future__ import annotations

_LOADED = ["_loaded_at"]

# Required columns per contract table (order = the contract's order).
TABLES: dict[str, list[str]] = {
    # app snapshots
    "brands": ["brand_id", "name", "created_at"],
    "tenants": ["tenant_id", "name", "timezone", "country", "plan", "created_at"],
    "brand_retailers": ["brand_id", "tenant_id", "authorized_at"],
    "teams": ["team_id", "tenant_id", "name", "created_at"],
    "user_profile": ["user_id", "tenant_id", "team_id", "role", "email", "phone", "created_at", "deleted_at"],
    "templates": [
        "template_id",
        "tenant_id",
        "brand_id",
        "owner_user_id",
        "team_id",
        "scope",
        "language",
        "format",
        "created_at",
        "deleted_at",
    ],
    "contacts": ["contact_id", "tenant_id", "email", "phone", "grade", "source", "created_at", "updated_at"],
    "sla_policies": ["tenant_id", "channel", "first_reply_target_minutes"],
    # event logs
    "account_binding_log": ["attempt_id", "tenant_id", "user_id", "binding_type", "provider", "status", "error_code", "event_time"],
    "raw_message": [
        "message_id",
        "tenant_id",
        "conversation_id",
        "contact_id",
        "user_id",
        "channel",
        "direction",
        "in_reply_to",
        "is_automated",
        "template_id",
        "ai_generation_id",
        "catalog_product_count",
        "event_time",
    ],
    "notification_log": [
        "event_id",
        "notification_id",
        "tenant_id",
        "user_id",
        "brand_id",
        "source",
        "channel",
        "status",
        "event_time",
    ],
    "ai_assist_log": [
        "event_id",
        "generation_id",
        "tenant_id",
        "user_id",
        "action",
        "feature",
        "macro_id",
        "template_id",
        "model",
        "prompt_tokens",
        "completion_tokens",
        "event_time",
    ],
    "template_log": ["event_id", "tenant_id", "user_id", "template_id", "action", "event_time"],
    "product_log": ["event_id", "tenant_id", "product_id", "action", "source_platform", "event_time"],
    "sync_log": ["sync_id", "tenant_id", "platform", "started_at", "finished_at", "status", "items_synced", "error_code"],
    "media_log": ["event_id", "tenant_id", "image_id", "content_type", "bytes", "event_time"],
    "cdn_log": ["log_date", "tenant_id", "distribution", "requests", "bytes_served"],
    "contact_log": [
        "event_id",
        "tenant_id",
        "contact_id",
        "user_id",
        "action",
        "source",
        "segment_id",
        "old_grade",
        "new_grade",
        "event_time",
    ],
    "import_log": [
        "import_batch_id",
        "tenant_id",
        "source",
        "rows_received",
        "rows_imported",
        "rows_rejected",
        "started_at",
        "finished_at",
    ],
    "automation_log": ["event_id", "tenant_id", "automation_id", "trigger_type", "contact_id", "channel", "status", "event_time"],
    "asset_log": ["event_id", "brand_id", "asset_id", "asset_type", "tenant_id", "user_id", "action", "bytes", "event_time"],
    "campaign_log": ["event_id", "brand_id", "campaign_id", "tenant_id", "user_id", "action", "recipients_count", "event_time"],
    "user_log": ["event_id", "tenant_id", "user_id", "action", "module", "event_time"],
    "subscription_log": [
        "event_id",
        "tenant_id",
        "subscription_id",
        "action",
        "plan",
        "period_start",
        "period_end",
        "amount_cents",
        "currency",
        "event_time",
    ],
}
TABLES = {t: cols + _LOADED for t, cols in TABLES.items()}

# Integer measures (contract: counts, bytes, tokens, rows, minutes, cents).
BIGINT_COLUMNS = frozenset(
    {
        "prompt_tokens",
        "completion_tokens",
        "bytes",
        "bytes_served",
        "requests",
        "items_synced",
        "rows_received",
        "rows_imported",
        "rows_rejected",
        "amount_cents",
        "catalog_product_count",
        "recipients_count",
        "first_reply_target_minutes",
    }
)
TIMESTAMP_COLUMNS = frozenset({"event_time", "period_start", "period_end"})


def contract_type(column: str) -> str | None:
    """PostgreSQL type of a contract column by the contract's naming rules;
    None when the name says nothing (an extra column: type from the data)."""
    if column.endswith("_at") or column in TIMESTAMP_COLUMNS:
        return "timestamp"
    if column == "log_date":
        return "date"
    if column == "is_automated":
        return "boolean"
    if column in BIGINT_COLUMNS:
        return "bigint"
    return None
