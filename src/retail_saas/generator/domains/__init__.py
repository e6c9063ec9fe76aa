"""Event-log domains. Each module turns the World into one or more log frames.

Every domain exposes `generate(world, rng) -> dict[table, Frame]` and may
expose `MUTATORS` (table -> function) describing how a redelivered copy
with changed content differs. `DOMAINS` is the run order: AI runs before
messages because messages cite generation ids.
"""

from . import accounts, ai_assist, brand, catalog, crm, messages, notifications, subscriptions, templates

DOMAINS = [ai_assist, messages, notifications, templates, catalog, crm, brand, accounts, subscriptions]
