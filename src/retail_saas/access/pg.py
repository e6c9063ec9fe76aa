"""PostgreSQL side of the entitlements: the login role behind a scope
(created when missing, member of its level's group role, with the
declared connection limit and statement timeout)."""

from __future__ import annotations

from typing import Any

from retail_saas.access.policy import declaration, role_of


def limits() -> dict:
    """access_policies.limits: connection_limit and statement_timeout of
    every analyst login."""
    return declaration().get("limits", {})


def _exec(conn: Any, stmt: Any, params: tuple = ()) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(stmt, params)
        return cur.fetchall() if cur.description else []


def bind_login(conn: Any, login: str, level: str) -> None:
    """Role `login` exists (nologin when made here: a DBA gives it a
    password), is a member of analytics_<level>, and has the declared
    limits. When created here, the admin becomes a member of it so that
    connect_as(login) can SET ROLE to it."""
    from psycopg2 import sql

    ident = sql.Identifier(login)
    if not _exec(conn, "select 1 from pg_roles where rolname = %s", (login,)):
        _exec(conn, sql.SQL("create role {} nologin").format(ident))
        ((su,),) = _exec(conn, "select rolsuper from pg_roles where rolname = current_user")
        if not su:
            _exec(conn, sql.SQL("grant {} to current_user").format(ident))
    _exec(conn, sql.SQL("grant {} to {}").format(sql.Identifier(role_of(level)), ident))
    lim = limits()
    if "connection_limit" in lim:
        _exec(conn, sql.SQL("alter role {} connection limit {}").format(ident, sql.Literal(int(lim["connection_limit"]))))
    if "statement_timeout" in lim:
        _exec(conn, sql.SQL("alter role {} set statement_timeout = {}").format(ident, sql.Literal(str(lim["statement_timeout"]))))


def unbind_login(conn: Any, login: str, level: str) -> None:
    """The login's last scope is gone: leave its group role (the role
    itself stays; without entitlements it reads nothing anyway)."""
    from psycopg2 import sql

    _exec(conn, sql.SQL("revoke {} from {}").format(sql.Identifier(role_of(level)), sql.Identifier(login)))
