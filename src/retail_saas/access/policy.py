"""The access declaration (vars.access_policies of dbt_project.yml) read
in Python, and `mart_filter`: the SQL row filter a list of scopes gives
on one mart, for readers that apply it themselves (DuckDB, Superset)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from retail_saas.access.store import Scope

LEVELS = ("platform_admin", "brand", "retailer", "team_lead", "agent")
ROLE_PREFIX = "analytics_"
ID_COLUMNS = ("tenant_id", "team_id", "user_id", "brand_id")


def project_dir() -> Path:
    """The dbt project (RETAIL_SAAS_PROJECT_DIR, else this checkout)."""
    env = os.environ.get("RETAIL_SAAS_PROJECT_DIR")
    return Path(env) if env else Path(__file__).resolve().parents[3]


@lru_cache(maxsize=4)
def declaration(path: Path | None = None) -> dict:
    """vars.access_policies of dbt_project.yml."""
    import yaml

    path = path or project_dir() / "dbt_project.yml"
    return yaml.safe_load(Path(path).read_text())["vars"]["access_policies"]


def role_of(level: str) -> str:
    return ROLE_PREFIX + level


def level_columns(level: str) -> tuple[str, ...]:
    """The id columns a scope of `level` must carry: every column its
    role's rules isolate by (platform_admin: none)."""
    grants = declaration()["roles"][role_of(level)]
    if grants == "all":
        return ()
    cols = {c for columns in grants.values() for c in columns}
    return tuple(c for c in ID_COLUMNS if c in cols)


def mart_level(mart: str) -> str | None:
    name = mart.rsplit(".", 1)[-1].strip('"').lower()
    return next((lv for lv, marts in declaration()["levels"].items() if name in marts), None)


def _quote(v: str) -> str:
    return "'" + str(v).replace("'", "''") + "'"


def _active(scope: Scope, now: datetime) -> bool:
    def aware(d: datetime) -> datetime:
        return d if d.tzinfo else d.replace(tzinfo=UTC)

    return (scope.valid_from is None or aware(scope.valid_from) <= now) and (scope.valid_to is None or aware(scope.valid_to) > now)


def mart_filter(scopes: list[Scope], mart: str) -> str:
    """A SQL boolean over the mart's columns: the rows the scopes may read
    (their union). 'true' for a platform admin, 'false' when no scope may
    read the mart (or none is active now). `mart` may be schema-qualified."""
    roles = declaration()["roles"]
    level = mart_level(mart)
    now = datetime.now(UTC)
    terms: list[str] = []
    for s in scopes:
        if s.level not in LEVELS or not _active(s, now):
            continue
        grants = roles.get(role_of(s.level))
        if grants == "all":
            return "true"
        if grants is None or level is None or level not in grants:
            continue
        columns = grants[level]
        if not columns:
            return "true"
        values = [getattr(s, c) for c in columns]
        if any(v is None for v in values):
            continue  # an incomplete scope reads nothing (fail closed)
        term = " and ".join(f"{c} = {_quote(v)}" for c, v in zip(columns, values))
        terms.append(f"({term})" if len(columns) > 1 else term)
    if not terms:
        return "false"
    terms = sorted(set(terms))
    return terms[0] if len(terms) == 1 else "(" + " or ".join(terms) + ")"
