"""Superset users, roles and row-level security from the entitlements.

The entitlement store of retail_saas.access (DuckDB file or PostgreSQL
table access.user_scopes) lists each login's scopes; vars.access_policies
says which level reads which mart by which columns, and
`mart_filter(scopes, mart)` turns both into the SQL predicate of a mart.
Each login becomes a Superset user:

- platform_admin: the Admin role (every row, SQL Lab);
- any other level: Gamma (dashboards, Explore, saving own charts, CSV; no
  SQL Lab) plus one role of its own, `scope <login>`, that reads only the
  datasets whose mart the login may read, each with a row-level security
  rule whose clause is mart_filter(scopes, mart).

A Superset user whose login has no entitlement left keeps only Gamma: no
dataset, so no chart and no row. Passwords of the users created here are
random, kept in RETAIL_SAAS_BI_HOME/logins.json (0600) and printed by
scripts/bi.sh."""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

SCOPE_ROLE = "scope {}"
TENANT_BASE_ROLE = "Gamma"
DEMO_PREFIX = "demo_"
PUBLIC_MART = "dim_dates"
FALSE = {"false", "(false)", "1 = 0", "1=0", "(1 = 0)"}


def home() -> Path:
    return Path(os.environ.get("RETAIL_SAAS_BI_HOME", "target/superset")).resolve()


def passwords() -> dict[str, str]:
    path = home() / "logins.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_passwords(known: dict[str, str]) -> None:
    path = home() / "logins.json"
    path.write_text(json.dumps(known, indent=1, sort_keys=True))
    path.chmod(0o600)


def entitlement_connection():
    """The entitlement store of retail_saas.access for the current target."""
    from retail_saas.access import open_store

    return open_store()


def scopes_by_login(conn) -> dict[str, list]:
    """Every login of the store with all its scopes, active or not:
    mart_filter reads only the active ones, so a login whose entitlement
    expired or has not started yet exists in Superset and sees no row."""
    from retail_saas.access import list_scopes

    out: dict[str, list] = {}
    for scope in list_scopes(conn, include_inactive=True):
        out.setdefault(scope.login, []).append(scope)
    return out


def grant_demo_logins(conn, engine) -> list[str]:
    """One clearly labelled demo login per level, picked from the dims:
    the retailer with the most inbox rows, its busiest team and agent, and
    the brand with the most retailer actions."""
    from retail_saas.access import grant

    with engine.connect() as db:
        tenant, team, user = db.exec_driver_sql(
            "select d.tenant_id, d.team_id, d.user_id from marts.daily_stats d "
            "where d.team_id is not null group by 1, 2, 3 "
            "order by count(*) desc, 1, 2, 3 limit 1"
        ).fetchone()
        (brand,) = db.exec_driver_sql(
            "select brand_id from marts.brand_daily group by 1 order by count(*) desc, 1 limit 1"
        ).fetchone()
    levels = {
        "platform_admin": {},
        "brand": {"brand_id": brand},
        "retailer": {"tenant_id": tenant},
        "team_lead": {"tenant_id": tenant, "team_id": team},
        "agent": {"tenant_id": tenant, "user_id": user},
    }
    made = []
    for level, ids in levels.items():
        login = f"{DEMO_PREFIX}{level}"
        grant(conn, login, level, **ids)
        made.append(login)
    return made


def active(scope) -> bool:
    """Whether a scope is in force now: every level reads the public
    dim_dates, so mart_filter says 'false' there only for an inactive one."""
    from retail_saas.access import mart_filter

    return mart_filter([scope], PUBLIC_MART) != "false"


def _perm_role(sm, name: str):
    role = sm.find_role(name) or sm.add_role(name)
    role.permissions = []
    return role


def sync(db, spec, tables: dict, boards: dict, demo: bool = False) -> str:
    from superset import security_manager as sm
    from superset.connectors.sqla.models import RowLevelSecurityFilter

    conn = entitlement_connection()
    try:
        scopes = scopes_by_login(conn)
        note = ""
        if not scopes and demo:
            database = next(iter(tables.values())).database
            with database.get_sqla_engine() as engine:
                made = grant_demo_logins(conn, engine)
            scopes = scopes_by_login(conn)
            note = f"==> the entitlement store was empty: granted demo logins {', '.join(made)}\n"
    finally:
        close = getattr(conn, "close", None)
        if close:
            close()
    from retail_saas.access import mart_filter

    known = passwords()
    admin, gamma = sm.find_role("Admin"), sm.find_role(TENANT_BASE_ROLE)
    # every rule the loader wrote before is rewritten from the store
    for rule in db.session.query(RowLevelSecurityFilter).filter(RowLevelSecurityFilter.name.like("scope %")).all():
        db.session.delete(rule)
    db.session.flush()
    lines = []
    managed = set(known) | set(scopes)
    board_readers: dict[str, list] = {slug: [admin] for slug in boards}
    for login in sorted(managed):
        mine = scopes.get(login, [])
        role = _perm_role(sm, SCOPE_ROLE.format(login))
        levels = {s.level for s in mine if active(s)}
        readable = []
        if "platform_admin" not in levels:
            for name, table in tables.items():
                clause = mart_filter(mine, spec.datasets[name].access_mart) if mine else None
                if clause is None or clause.strip().lower() in FALSE:
                    continue
                pv = sm.add_permission_view_menu("datasource_access", table.get_perm())
                sm.add_permission_role(role, pv)
                db.session.add(
                    RowLevelSecurityFilter(
                        name=f"scope {login} on {name}",
                        filter_type="Regular",
                        tables=[table],
                        roles=[role],
                        clause=clause,
                        description=f"mart_filter of {login} on {spec.datasets[name].access_mart}",
                    )
                )
                readable.append(name)
        roles = [admin] if "platform_admin" in levels else [gamma, role]
        for dash in spec.dashboards:
            if readable and {c.dataset for c in dash.charts} <= set(readable):
                board_readers[dash.slug].append(role)
        user = sm.find_user(username=login)
        if login not in known or user is None:
            known[login] = secrets.token_urlsafe(12)
        if user is None:
            user = sm.add_user(login, login, "(retail_saas)", f"{login}@example.invalid", roles, password=known[login])
        else:
            user.roles = roles
            sm.reset_password(user.id, known[login])
        what = ", ".join(sorted(levels)) or "no entitlement: sees nothing"
        lines.append(f"    {login:24} {known[login]:20} {what}" + (f" ({len(readable)} datasets)" if readable else ""))
    # A dashboard is listed to the logins that read every one of its
    # datasets (DASHBOARD_RBAC), never to one that would meet a refused
    # chart; Superset also lets a dashboard's roles read its charts' data,
    # which gives these roles nothing they could not read already.
    for slug, board in boards.items():
        board.roles = board_readers[slug]
    save_passwords(known)
    db.session.flush()
    return note + "==> logins (user, password, level):\n" + "\n".join(lines)
