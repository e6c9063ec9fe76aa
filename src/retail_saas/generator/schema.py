"""The raw contract's tables as data: column names, types, keys, time column.

This is the single place that knows the contract's layout; the writer turns
it into Arrow schemas and the tests check the lake against it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

STR, TS, INT, DATE, BOOL = "string", "timestamp", "int64", "date", "bool"

ARROW_TYPES = {
    STR: pa.string(),
    TS: pa.timestamp("us"),
    INT: pa.int64(),
    DATE: pa.date32(),
    BOOL: pa.bool_(),
}

LOADED_AT = "_loaded_at"


@dataclass(frozen=True)
class TableSpec:
    """One contract table: source system, typed columns, key and event-time column."""

    name: str
    source: str  # "app" or "events"
    columns: tuple[tuple[str, str], ...]
    key: tuple[str, ...]
    time_col: str | None = None  # the column the 72h arrival rule uses

    @property
    def column_names(self) -> list[str]:
        return [c for c, _ in self.columns]

    def arrow_schema(self) -> pa.Schema:
        fields = [pa.field(c, ARROW_TYPES[t]) for c, t in self.columns]
        return pa.schema([*fields, pa.field(LOADED_AT, ARROW_TYPES[TS])])


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """Parse 'name:type name:type' (type defaults to string)."""
    out = []
    for item in spec.split():
        name, _, kind = item.partition(":")
        out.append((name, {"": STR, "ts": TS, "int": INT, "date": DATE, "bool": BOOL}[kind]))
    return tuple(out)


def _t(name: str, source: str, cols: str, key: str, time_col: str | None = None) -> TableSpec:
    return TableSpec(name, source, _cols(cols), tuple(key.split()), time_col)


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in [
        # --- app snapshots -------------------------------------------------
        _t("brands", "app", "brand_id name created_at:ts", "brand_id"),
        _t("tenants", "app", "tenant_id name timezone country plan created_at:ts", "tenant_id"),
        _t("brand_retailers", "app", "brand_id tenant_id authorized_at:ts", "brand_id tenant_id"),
        _t("teams", "app", "team_id tenant_id name created_at:ts", "team_id"),
        _t(
            "user_profile",
            "app",
            "user_id tenant_id team_id role email phone created_at:ts deleted_at:ts",
            "user_id",
        ),
        _t(
            "templates",
            "app",
            "template_id tenant_id brand_id owner_user_id team_id scope language format created_at:ts deleted_at:ts",
            "template_id",
        ),
        _t(
            "contacts",
            "app",
            "contact_id tenant_id email phone grade source created_at:ts updated_at:ts",
            "contact_id",
        ),
        _t("sla_policies", "app", "tenant_id channel first_reply_target_minutes:int", "tenant_id channel"),
        # --- event logs ----------------------------------------------------
        _t(
            "account_binding_log",
            "events",
            "attempt_id tenant_id user_id binding_type provider status error_code event_time:ts",
            "attempt_id",
            "event_time",
        ),
        _t(
            "raw_message",
            "events",
            "message_id tenant_id conversation_id contact_id user_id channel direction in_reply_to "
            "is_automated:bool template_id ai_generation_id catalog_product_count:int event_time:ts",
            "message_id",
            "event_time",
        ),
        _t(
            "notification_log",
            "events",
            "event_id notification_id tenant_id user_id brand_id source channel status event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "ai_assist_log",
            "events",
            "event_id generation_id tenant_id user_id action feature macro_id template_id model "
            "prompt_tokens:int completion_tokens:int event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "template_log",
            "events",
            "event_id tenant_id user_id template_id action event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "product_log",
            "events",
            "event_id tenant_id product_id action source_platform event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "sync_log",
            "events",
            "sync_id tenant_id platform started_at:ts finished_at:ts status items_synced:int error_code",
            "sync_id",
            "started_at",
        ),
        _t(
            "media_log",
            "events",
            "event_id tenant_id image_id content_type bytes:int event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "cdn_log",
            "events",
            "log_date:date tenant_id distribution requests:int bytes_served:int",
            "log_date tenant_id distribution",
        ),
        _t(
            "contact_log",
            "events",
            "event_id tenant_id contact_id user_id action source segment_id old_grade new_grade event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "import_log",
            "events",
            "import_batch_id tenant_id source rows_received:int rows_imported:int rows_rejected:int started_at:ts finished_at:ts",
            "import_batch_id",
            "started_at",
        ),
        _t(
            "automation_log",
            "events",
            "event_id tenant_id automation_id trigger_type contact_id channel status event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "asset_log",
            "events",
            "event_id brand_id asset_id asset_type tenant_id user_id action bytes:int event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "campaign_log",
            "events",
            "event_id brand_id campaign_id tenant_id user_id action recipients_count:int event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "user_log",
            "events",
            "event_id tenant_id user_id action module event_time:ts",
            "event_id",
            "event_time",
        ),
        _t(
            "subscription_log",
            "events",
            "event_id tenant_id subscription_id action plan period_start:ts period_end:ts amount_cents:int currency event_time:ts",
            "event_id",
            "event_time",
        ),
    ]
}

APP_TABLES = [t for t, s in TABLES.items() if s.source == "app"]
EVENT_TABLES = [t for t, s in TABLES.items() if s.source == "events"]
