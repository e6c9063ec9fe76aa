"""A report scope as an entitlement (retail_saas.access): the predicate of
each mart on DuckDB (mart_filter), a login bound to it on PostgreSQL and
Redshift (grant + connect_as, row-level security in force)."""

from __future__ import annotations

import hashlib

from .periods import Scope

# report scope kind -> access role (the group role is analytics_<role>)
ROLE = {"platform": "platform_admin", "brand": "brand", "tenant": "retailer", "team": "team_lead"}


def context(scope: Scope, lookup) -> dict[str, str]:
    """The session values the scope's role is filtered on; unknown ids are an error.

    `lookup(sql, params)` reads without scope (names and keys only)."""
    if scope.kind == "platform":
        return {}
    table, col = {"tenant": ("dim_tenants", "tenant_id"), "team": ("dim_teams", "team_id"), "brand": ("dim_brands", "brand_id")}[
        scope.kind
    ]
    rows = lookup(f"select * from marts.{table} where {col} = ?", [scope.id])
    if not rows:
        from .warehouse import ReportError

        raise ReportError(f"scope {scope}: no {scope.kind} {scope.id!r} in marts.{table}")
    ctx = {col: scope.id}
    if scope.kind == "team":
        ctx["tenant_id"] = rows[0]["tenant_id"]
    return ctx


def access_scope(scope: Scope, ctx: dict[str, str]):
    """The report scope as an entitlement of its login (retail_saas.access)."""
    from retail_saas.access import Scope as AccessScope

    return AccessScope(
        login=login_name(scope),
        level=ROLE[scope.kind],
        tenant_id=ctx.get("tenant_id"),
        team_id=ctx.get("team_id"),
        brand_id=ctx.get("brand_id"),
    )


def predicate(scope: Scope, ctx: dict[str, str], mart: str) -> str:
    """SQL predicate of `mart` for the scope: the access package's mart_filter of its entitlement."""
    from retail_saas.access import mart_filter

    return mart_filter([access_scope(scope, ctx)], mart)


def login_name(scope: Scope) -> str:
    digest = hashlib.sha256(str(scope).encode()).hexdigest()[:12]
    return f"rs_report_{scope.kind}_{digest}"


def bind_postgres(admin, scope: Scope):
    """A connection that reads as the scope's login, under row-level security.

    The login (a NOLOGIN role: only an admin that is a member can become it)
    gets the scope as its one entitlement in access.user_scopes (`grant` is
    idempotent), then `connect_as` does SET ROLE to it: the marts' policies
    read that login's entitlements, so the report can only hold its rows."""
    from retail_saas.access import AccessError, connect_as, grant

    def lookup(sql, params):
        with admin.cursor() as cur:
            cur.execute(sql.replace("?", "%s"), list(params))
            names = [d[0] for d in cur.description]
            return [dict(zip(names, r)) for r in cur.fetchall()]

    ctx = context(scope, lookup)
    acc = access_scope(scope, ctx)
    try:
        grant(admin, acc.login, acc.level, tenant_id=acc.tenant_id, team_id=acc.team_id, brand_id=acc.brand_id)
        return acc.login, connect_as(acc.login)
    except AccessError as exc:
        from .warehouse import ReportError

        raise ReportError(f"scope {scope}: {exc}") from None
