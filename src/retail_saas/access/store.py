"""The entitlement store: `access.user_scopes` (and its change log
`access.scope_changes`) on PostgreSQL, created by the dbt hook, or in a
DuckDB file of its own (RETAIL_SAAS_ACCESS_DB, default
target/access.duckdb), created here. `grant` validates ids against the
marts' dimensions; `connect_as` opens a PostgreSQL session as a login."""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from retail_saas.access.policy import (
    ID_COLUMNS,
    LEVELS,
    declaration,
    level_columns,
    role_of,
)

DEFAULT_ACCESS_DB = "target/access.duckdb"
DEFAULT_MARTS_DB = "target/retail_saas.duckdb"
LOGIN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
FIELDS = ("login", "level", *ID_COLUMNS, "valid_from", "valid_to")
# Which dimension proves an id exists, and which ids it must carry together.
DIMS = {
    "tenant_id": ("dim_tenants", ("tenant_id",)),
    "team_id": ("dim_teams", ("tenant_id", "team_id")),
    "user_id": ("dim_users", ("tenant_id", "user_id")),
    "brand_id": ("dim_brands", ("brand_id",)),
}

# DuckDB has no users: the store is a plain file; the change log is
# written by grant/revoke (PostgreSQL: by a trigger, see macros/access/).
DUCKDB_DDL = """
create schema if not exists access;
create table if not exists access.user_scopes (
    login varchar not null, level varchar not null,
    tenant_id varchar, team_id varchar, user_id varchar, brand_id varchar,
    valid_from timestamptz, valid_to timestamptz,
    granted_by varchar not null, granted_at timestamptz not null);
create table if not exists access.scope_changes (
    changed_at timestamptz not null, changed_by varchar not null,
    action varchar not null, login varchar not null, level varchar not null,
    tenant_id varchar, team_id varchar, user_id varchar, brand_id varchar,
    valid_from timestamptz, valid_to timestamptz);
"""


class AccessError(ValueError):
    """A refused entitlement change or a missing store (one-line message)."""


@dataclass(frozen=True)
class Scope:
    """One entitlement: `login` reads as `level` within these ids."""

    login: str
    level: str  # platform_admin, brand, retailer, team_lead, agent
    tenant_id: str | None = None
    team_id: str | None = None
    user_id: str | None = None
    brand_id: str | None = None
    valid_from: datetime | None = None
    valid_to: datetime | None = None


def is_postgres(conn: Any) -> bool:
    return type(conn).__module__.startswith("psycopg2")


def _schema() -> str:
    return declaration().get("schema", "marts")


def open_store(target: str | None = None):
    """A connection to the entitlement store of the profile's target
    (RETAIL_SAAS_TARGET): PostgreSQL from the PG* variables, else the
    DuckDB file RETAIL_SAAS_ACCESS_DB (created when missing)."""
    target = target or os.environ.get("RETAIL_SAAS_TARGET", "duckdb")
    if target == "postgres":
        from retail_saas.postgres.connection import connect

        return connect()
    if target != "duckdb":
        raise AccessError(f"access: target {target} has no entitlement store here (duckdb or postgres)")
    import duckdb

    path = os.environ.get("RETAIL_SAAS_ACCESS_DB") or DEFAULT_ACCESS_DB
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    # Attached under another name: a file named access.duckdb would make
    # a catalog `access`, and `access.user_scopes` ambiguous.
    conn = duckdb.connect()
    quoted = path.replace("'", "''")
    conn.execute(f"attach '{quoted}' as access_store")
    conn.execute("use access_store")
    conn.execute(DUCKDB_DDL)
    return conn


def open_dims(store: Any):
    """Where the marts' dimensions are read for validation: the same
    PostgreSQL database, or the DuckDB marts file (read only)."""
    if is_postgres(store):
        return store
    import duckdb

    path = os.environ.get("RETAIL_SAAS_DUCKDB_PATH") or DEFAULT_MARTS_DB
    if not os.path.exists(path):
        raise AccessError(
            f"access: no marts database at {path} to check ids against (build it first, or set RETAIL_SAAS_DUCKDB_PATH)"
        )
    try:
        return duckdb.connect(path, read_only=True)
    except duckdb.Error as e:
        raise AccessError(f"access: cannot open {path}: {str(e).splitlines()[0]}") from None


def _query(conn: Any, sql: str, params: list | tuple = ()) -> list[tuple]:
    """Run with %s placeholders on either driver; rows (or [])."""
    if is_postgres(conn):
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    res = conn.execute(sql.replace("%s", "?"), list(params))
    return res.fetchall() if res.description else []


def _store_missing(conn: Any, e: Exception) -> AccessError:
    if is_postgres(conn):
        conn.rollback()
    return AccessError(
        "access: no table access.user_scopes in this database (run "
        f"`dbt run` on the postgres target first): {str(e).splitlines()[0]}"
    )


def list_scopes(conn: Any, login: str | None = None, include_inactive: bool = False) -> list[Scope]:
    """Entitlements active now (all with include_inactive), of one login or
    of all, ordered by login, level and ids."""
    where = ["true"]
    params: list = []
    if login is not None:
        where.append("login = %s")
        params.append(login)
    if not include_inactive:
        where.append(
            "(valid_from is null or valid_from <= current_timestamp) and (valid_to is null or valid_to > current_timestamp)"
        )
    sql = f"select {', '.join(FIELDS)} from access.user_scopes where {' and '.join(where)} order by {', '.join(FIELDS[:6])}"
    try:
        rows = _query(conn, sql, params)
    except Exception as e:
        if "user_scopes" in str(e):
            raise _store_missing(conn, e) from None
        raise
    return [Scope(*r) for r in rows]


def _check_shape(login: str, level: str, ids: dict[str, str | None]) -> None:
    if not LOGIN.match(login or "") or login.startswith((role_of(""), "pg_")):
        raise AccessError(f"access: login {login!r} is not a plain lower-case name (a-z, 0-9, _; not analytics_* or pg_*)")
    if level not in LEVELS:
        raise AccessError(f"access: level {level!r} is not one of {', '.join(LEVELS)}")
    need = level_columns(level)
    missing = [c for c in need if not ids.get(c)]
    extra = [c for c in ID_COLUMNS if ids.get(c) and c not in need]
    if missing or extra:
        what = "needs " + ", ".join(need) if need else "takes no ids"
        raise AccessError(
            f"access: level {level} {what} (missing: {', '.join(missing) or '-'}; not allowed: {', '.join(extra) or '-'})"
        )


def _check_ids(dims: Any, ids: dict[str, str | None]) -> None:
    schema = _schema()
    for col, (dim, key) in DIMS.items():
        if not ids.get(col):
            continue
        sql = f"select count(*) from {schema}.{dim} where " + " and ".join(f"{k} = %s" for k in key)
        try:
            ((n,),) = _query(dims, sql, [ids[k] for k in key])
        except Exception as e:  # noqa: BLE001
            if is_postgres(dims):
                dims.rollback()
            raise AccessError(f"access: cannot read {schema}.{dim} to check {col}: {str(e).splitlines()[0]}") from None
        if not n:
            given = ", ".join(f"{k} {ids[k]}" for k in key)
            raise AccessError(f"access: {given} is not in {schema}.{dim}")


def _ts(v: datetime | str | None) -> datetime | None:
    if v is None or isinstance(v, datetime):
        return v
    try:
        d = datetime.fromisoformat(v)
    except ValueError:
        raise AccessError(f"access: {v!r} is not an ISO date or timestamp") from None
    return d if d.tzinfo else d.replace(tzinfo=UTC)


def _log_change(conn: Any, action: str, s: Scope) -> None:
    """DuckDB only: PostgreSQL logs every change by a trigger."""
    if is_postgres(conn):
        return
    _query(
        conn,
        "insert into access.scope_changes values (current_timestamp, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        [_who(conn), action, *(getattr(s, f) for f in FIELDS)],
    )


def _who(conn: Any) -> str:
    if is_postgres(conn):
        return _query(conn, "select session_user")[0][0]
    import getpass

    return getpass.getuser()


@contextmanager
def _transaction(conn: Any):
    """One transaction on either driver (a psycopg2 connection in
    autocommit mode is switched out of it meanwhile)."""
    auto = is_postgres(conn) and conn.autocommit
    if auto:
        conn.autocommit = False
    elif not is_postgres(conn):
        conn.execute("begin transaction")
    try:
        yield
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    finally:
        if auto:
            conn.autocommit = True


def grant(
    conn: Any,
    login: str,
    level: str,
    tenant_id: str | None = None,
    team_id: str | None = None,
    user_id: str | None = None,
    brand_id: str | None = None,
    valid_from: datetime | str | None = None,
    valid_to: datetime | str | None = None,
    dims: Any = None,
) -> Scope:
    """Give `login` one scope (idempotent: the same scope again updates its
    validity). Ids are checked against the marts' dimensions (`dims`, by
    default open_dims(conn)); a login holds scopes of one level only.
    On PostgreSQL the login role is created (nologin) when missing, made a
    member of its level's group role, and given the declared limits."""
    ids = {"tenant_id": tenant_id, "team_id": team_id, "user_id": user_id, "brand_id": brand_id}
    _check_shape(login, level, ids)
    vf, vt = _ts(valid_from), _ts(valid_to)
    if vf and vt and vt <= vf:
        raise AccessError(f"access: valid_to {vt} is not after valid_from {vf}")
    own_dims = dims is None
    dims = open_dims(conn) if own_dims else dims
    try:
        _check_ids(dims, ids)
    finally:
        if own_dims and dims is not conn:
            dims.close()
    scope = Scope(login, level, *ids.values(), vf, vt)
    held = list_scopes(conn, login, include_inactive=True)
    other = sorted({s.level for s in held if s.level != level})
    if other:
        raise AccessError(f"access: login {login} already holds level {other[0]}; one level per login (revoke it first)")
    same = [s for s in held if all(getattr(s, c) == ids[c] for c in ID_COLUMNS)]
    try:
        with _transaction(conn):
            _write_grant(conn, scope, bool(same))
    except AccessError:
        raise
    except Exception as e:  # noqa: BLE001
        if "user_scopes" in str(e) and "exist" in str(e):
            raise _store_missing(conn, e) from None
        raise AccessError(f"access: grant to {login} failed: {str(e).splitlines()[0]}") from None
    return scope


def _write_grant(conn: Any, scope: Scope, exists: bool) -> None:
    login, level = scope.login, scope.level
    ids = [getattr(scope, c) for c in ID_COLUMNS]
    vf, vt = scope.valid_from, scope.valid_to
    if exists:
        _query(
            conn,
            "update access.user_scopes set valid_from = %s, valid_to = %s "
            "where login = %s and level = %s and " + " and ".join(f"{c} is not distinct from %s" for c in ID_COLUMNS),
            [vf, vt, login, level, *ids],
        )
    else:
        _query(
            conn,
            f"insert into access.user_scopes ({', '.join(FIELDS)}, granted_by, "
            "granted_at) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "current_timestamp)",
            [login, level, *ids, vf, vt, _who(conn)],
        )
    _log_change(conn, "grant", scope)
    if is_postgres(conn):
        from retail_saas.access.pg import bind_login

        bind_login(conn, login, level)


def revoke(
    conn: Any,
    login: str,
    level: str | None = None,
    tenant_id: str | None = None,
    team_id: str | None = None,
    user_id: str | None = None,
    brand_id: str | None = None,
) -> list[Scope]:
    """Remove `login`'s scopes that match every given field (all of them
    when only the login is given). Effective from the next statement of
    any session. Returns what was removed; refuses when nothing matches."""
    given = {"level": level, "tenant_id": tenant_id, "team_id": team_id, "user_id": user_id, "brand_id": brand_id}
    held = list_scopes(conn, login, include_inactive=True)
    gone = [s for s in held if all(v is None or getattr(s, k) == v for k, v in given.items())]
    if not gone:
        what = ", ".join(f"{k} {v}" for k, v in given.items() if v) or "any scope"
        raise AccessError(f"access: login {login} holds no entitlement matching {what}")
    try:
        with _transaction(conn):
            _write_revoke(conn, gone, len(gone) == len(held))
    except Exception as e:  # noqa: BLE001
        raise AccessError(f"access: revoke from {login} failed: {str(e).splitlines()[0]}") from None
    return gone


def _write_revoke(conn: Any, gone: list[Scope], last: bool) -> None:
    for s in gone:
        _query(
            conn,
            "delete from access.user_scopes where login = %s and level = %s and "
            + " and ".join(f"{c} is not distinct from %s" for c in ID_COLUMNS),
            [s.login, s.level, *(getattr(s, c) for c in ID_COLUMNS)],
        )
        _log_change(conn, "revoke", s)
    if is_postgres(conn) and last:
        from retail_saas.access.pg import unbind_login

        unbind_login(conn, gone[0].login, gone[0].level)


def connect_as(login: str, env: dict | None = None, **kw: Any):
    """A PostgreSQL connection that reads as `login`: connects with the PG*
    variables (the admin, who must be a superuser or a member of the
    login; `grant` makes the admin a member when it creates the role),
    then `SET ROLE <login>`, so the marts' policies apply to that login's
    entitlements. Autocommit on. The caller must not RESET ROLE for it."""
    from psycopg2 import sql

    from retail_saas.postgres.connection import connect

    if not LOGIN.match(login or ""):
        raise AccessError(f"access: login {login!r} is not a plain lower-case name")
    conn = connect(env, application_name=f"retail_saas as {login}", **kw)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("set role {}").format(sql.Identifier(login)))
    except Exception as e:  # noqa: BLE001
        conn.close()
        raise AccessError(f"access: cannot read as {login}: {str(e).splitlines()[0]}") from None
    return conn
