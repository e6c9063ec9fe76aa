"""A report scope as an access scope: the predicate of each mart on DuckDB,
the bound login on PostgreSQL/Redshift. Both come from the one declaration
of who reads what (vars.access_policies in dbt_project.yml)."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from .periods import Scope

PROJECT = Path(__file__).resolve().parents[3] / "dbt_project.yml"
# report scope kind -> access role (the group role is analytics_<role>)
ROLE = {"platform": "platform_admin", "brand": "brand", "tenant": "retailer", "team": "team_lead"}


@lru_cache(maxsize=1)
def policies() -> dict:
    import yaml

    return yaml.safe_load(PROJECT.read_text())["vars"]["access_policies"]


def level_of(mart: str) -> str | None:
    for level, marts in policies()["levels"].items():
        if mart in marts:
            return level
    return None


def context(scope: Scope, lookup) -> dict[str, str]:
    """The session values the scope's role is filtered on; unknown ids are an error.

    `lookup(sql, params)` reads without scope (names and keys only)."""
    if scope.kind == "platform":
        return {}
    table, col = {"tenant": ("dim_tenants", "tenant_id"), "team": ("dim_teams", "team_id"),
                  "brand": ("dim_brands", "brand_id")}[scope.kind]
    rows = lookup(f"select * from marts.{table} where {col} = ?", [scope.id])
    if not rows:
        from .warehouse import ReportError

        raise ReportError(f"scope {scope}: no {scope.kind} {scope.id!r} in marts.{table}")
    ctx = {col: scope.id}
    if scope.kind == "team":
        ctx["tenant_id"] = rows[0]["tenant_id"]
    return ctx


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def predicate(scope: Scope, ctx: dict[str, str], mart: str) -> str:
    """SQL predicate of `mart` for the scope's role: the policy's columns equal the context."""
    try:  # the access package's own builder, when it is there (issue 13)
        from retail_saas.access import Scope as AccessScope  # type: ignore[attr-defined]
        from retail_saas.access import mart_filter  # type: ignore[attr-defined]
    except ImportError:
        mart_filter = None
    if mart_filter is not None:
        acc = AccessScope(login=f"report_{scope.slug}", level=ROLE[scope.kind], tenant_id=ctx.get("tenant_id"),
                          team_id=ctx.get("team_id"), user_id=None, brand_id=ctx.get("brand_id"),
                          valid_from=None, valid_to=None)
        return mart_filter([acc], mart)
    rule = policies()["roles"][f"analytics_{ROLE[scope.kind]}"]
    if rule == "all":
        return "true"
    level = level_of(mart)
    if level is None or level not in rule:
        return "false"  # not granted to this role: nothing (PostgreSQL says permission denied)
    cols = rule[level]
    return " and ".join(f"{c} = {_quote(ctx[c])}" for c in cols) or "true"


def login_name(scope: Scope) -> str:
    digest = hashlib.sha256(str(scope).encode()).hexdigest()[:12]
    return f"rs_report_{scope.kind}_{digest}"


def bind_postgres(admin, scoped, scope: Scope) -> str:
    """Make `scoped` read as a login of the scope's role, with its context set.

    The login is created (NOLOGIN password-less role: only the report's admin
    connection can become it) and put in the scope's group role; then the
    scoped connection does SET ROLE to it, so row-level security applies."""
    def lookup(sql, params):
        with admin.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    ctx = context(scope, lookup)
    login = login_name(scope)
    group = f"analytics_{ROLE[scope.kind]}"
    with admin.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", [login])
        if cur.fetchone() is None:
            cur.execute(f'create role "{login}" nologin')
        cur.execute(f'grant "{group}" to "{login}"')
        cur.execute(f'grant "{login}" to current_user')
    with scoped.cursor() as cur:
        cur.execute(f'set role "{login}"')
        prefix = policies()["context"]
        for col in ("tenant_id", "team_id", "user_id", "brand_id"):
            cur.execute("select set_config(%s, %s, false)", [f"{prefix}.{col}", ctx.get(col, "")])
    return login
