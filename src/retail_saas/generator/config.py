"""Run configuration, time units and per-table volumes of the generator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# Timestamps are int64 microseconds since the Unix epoch (naive UTC) everywhere.
US = 1_000_000
SECOND = US
MINUTE = 60 * US
HOUR = 3600 * US
DAY = 86_400 * US

DEFAULT_START = dt.date(2026, 8, 1)
DEFAULT_DAYS = 90

# Target rows per event log at scale 1 (before redeliveries and the arrival
# cut-off). Together with the app tables this is ~1M rows.
BASE_VOLUMES: dict[str, int] = {
    "raw_message": 330_000,
    "notification_log": 150_000,
    "user_log": 140_000,
    "ai_assist_log": 60_000,
    "contact_log": 50_000,
    "product_log": 45_000,
    "template_log": 40_000,
    "automation_log": 40_000,
    "cdn_log": 30_000,
    "asset_log": 25_000,
    "campaign_log": 15_000,
    "media_log": 15_000,
    "account_binding_log": 10_000,
    "sync_log": 8_000,
    "import_log": 2_000,
}

# App entity counts at scale 1; small scales keep a floor so that every
# relationship (and every bad-row kind) still has something to point at.
BASE_ENTITIES: dict[str, int] = {
    "tenants": 300,
    "brands": 40,
    "users": 3_000,
    "templates": 5_000,
    "contacts": 40_000,
    "assets": 1_500,
    "campaigns": 600,
}
MIN_ENTITIES: dict[str, int] = {
    "tenants": 24,
    "brands": 4,
    "users": 48,
    "templates": 60,
    "contacts": 300,
    "assets": 12,
    "campaigns": 8,
}


@dataclass(frozen=True)
class GenConfig:
    """What to generate: size, seed and the event window [start, start + days)."""

    scale: float = 1.0
    seed: int = 42
    start: dt.date = DEFAULT_START
    days: int = DEFAULT_DAYS

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError("scale must be > 0")
        if self.days < 7:
            raise ValueError("days must be >= 7")
        if self.seed < 0:
            raise ValueError("seed must be >= 0")

    @property
    def start_us(self) -> int:
        return (self.start - dt.date(1970, 1, 1)).days * DAY

    @property
    def end_us(self) -> int:
        """Exclusive end of the window; also the lake's 'now' (arrival cut-off)."""
        return self.start_us + self.days * DAY

    @property
    def start_day(self) -> int:
        """Start as days since the epoch."""
        return (self.start - dt.date(1970, 1, 1)).days

    def volume(self, table: str) -> int:
        """Rows to aim for in an event log, proportional to scale and days."""
        return max(1, round(BASE_VOLUMES[table] * self.scale * self.days / DEFAULT_DAYS))

    def entities(self, kind: str) -> int:
        return max(MIN_ENTITIES[kind], round(BASE_ENTITIES[kind] * self.scale))
