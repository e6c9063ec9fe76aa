"""The audit trail of analyst reads on PostgreSQL: pgaudit's object
audit lines (every statement that reads a mart table; the hook grants
select on each mart to the audit role named by `pgaudit.role`) are
loaded from the server's csv logs into schema `audit`, and
`who_read(tenant, start, end)` answers "who read tenant X's data".

Loading needs a superuser (or pg_read_server_files + pg_monitor): the
log files are read by the server itself (`pg_ls_logdir`, `COPY FROM`).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

# The csvlog columns (PostgreSQL 14 and later; 13 lacks the last two).
CSVLOG = [
    ("log_time", "timestamptz"),
    ("user_name", "text"),
    ("database_name", "text"),
    ("process_id", "integer"),
    ("connection_from", "text"),
    ("session_id", "text"),
    ("session_line_num", "bigint"),
    ("command_tag", "text"),
    ("session_start_time", "timestamptz"),
    ("virtual_transaction_id", "text"),
    ("transaction_id", "bigint"),
    ("error_severity", "text"),
    ("sql_state_code", "text"),
    ("message", "text"),
    ("detail", "text"),
    ("hint", "text"),
    ("internal_query", "text"),
    ("internal_query_pos", "integer"),
    ("context", "text"),
    ("query", "text"),
    ("query_pos", "integer"),
    ("location", "text"),
    ("application_name", "text"),
    ("backend_type", "text"),
    ("leader_pid", "integer"),
    ("query_id", "bigint"),
]
AS_PREFIX = "retail_saas as "  # connect_as's application_name

DDL = """
create schema if not exists audit;
revoke all on schema audit from public;
create table if not exists audit.pgaudit_log (
    log_time timestamptz not null,
    session_user_name text not null,
    read_as text not null,
    database_name text,
    session_id text not null,
    session_line_num bigint not null,
    application_name text,
    audit_type text,
    statement_id bigint,
    substatement_id bigint,
    class text,
    command text,
    object_type text,
    object_name text,
    statement text,
    primary key (session_id, session_line_num)
);
create index if not exists pgaudit_log_time on audit.pgaudit_log (log_time);
create table if not exists audit.loaded_files (
    file_name text primary key, size bigint not null, loaded_at timestamptz not null
);
"""

# One row per read of a mart by an analyst login, with the scopes the
# login held at that moment (reconstructed from access.scope_changes:
# a grant opens a scope, the next revoke of the same scope closes it).
VIEW = """
create or replace view audit.mart_reads as
with events as (
    select c.*,
        lead(c.changed_at) over (
            partition by c.login, c.level, coalesce(c.tenant_id, ''),
                coalesce(c.team_id, ''), coalesce(c.user_id, ''),
                coalesce(c.brand_id, '')
            order by c.changed_at) as next_change_at,
        lead(c.action) over (
            partition by c.login, c.level, coalesce(c.tenant_id, ''),
                coalesce(c.team_id, ''), coalesce(c.user_id, ''),
                coalesce(c.brand_id, '')
            order by c.changed_at) as next_action
    from access.scope_changes as c
),
held as (
    select login, level, tenant_id, team_id, user_id, brand_id,
        changed_at as held_from,
        case when next_action = 'revoke' then next_change_at end as held_to
    from events
    where action in ('grant', 'update')
)
select
    r.log_time as read_at,
    r.read_as as login,
    r.session_user_name,
    r.object_name as relation,
    r.command,
    h.level,
    h.tenant_id,
    h.team_id,
    h.user_id,
    h.brand_id,
    r.statement,
    r.session_id,
    r.session_line_num
from audit.pgaudit_log as r
left join held as h
    on h.login = r.read_as
    and h.held_from <= r.log_time
    and (h.held_to is null or h.held_to > r.log_time)
where r.class = 'READ' and r.object_name like 'marts.%'
"""


def _exec(conn: Any, sql: str, params: tuple | list | None = None) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall() if cur.description else []


def _parse(message: str) -> list[str] | None:
    """pgaudit's message: 'AUDIT: OBJECT,1,1,READ,SELECT,TABLE,marts.x,stmt,params'."""
    if not message.startswith("AUDIT: "):
        return None
    fields = next(csv.reader(io.StringIO(message[len("AUDIT: ") :])))
    return fields if len(fields) >= 8 else None


def _analysts(conn: Any) -> set[str]:
    """Logins that are members of an analyst group: their reads are theirs
    whatever application_name they set."""
    rows = _exec(
        conn,
        "select m.rolname from pg_auth_members a "
        "join pg_roles g on g.oid = a.roleid "
        "join pg_roles m on m.oid = a.member "
        "where g.rolname like 'analytics\\_%'",
    )
    return {r[0] for r in rows}


def load(conn: Any) -> int:
    """Load new pgaudit lines of the server's csv logs into audit.pgaudit_log;
    returns the number of lines added. A read through connect_as (an admin
    session that SET ROLE to a login) is attributed to that login by its
    application_name; an analyst's own session always to itself."""
    _exec(conn, DDL)
    ((major,),) = _exec(conn, "select current_setting('server_version_num')::int / 10000")
    cols = CSVLOG if major >= 14 else CSVLOG[:24]
    ((logdir,),) = _exec(conn, "select current_setting('data_directory') || '/' || current_setting('log_directory')")
    if not logdir.startswith("/"):
        ((logdir,),) = _exec(conn, "select current_setting('log_directory')")
    files = _exec(conn, "select name, size from pg_ls_logdir() where name like '%.csv' order by name")
    analysts = _analysts(conn)
    added = 0
    _exec(conn, "create temp table if not exists pgaudit_raw (" + ", ".join(f"{c} {t}" for c, t in cols) + ")")
    for name, size in files:
        done = _exec(conn, "select size from audit.loaded_files where file_name = %s", (name,))
        if done and done[0][0] == size:
            continue
        _exec(conn, "truncate pgaudit_raw")
        _exec(conn, f"copy pgaudit_raw from '{logdir}/{name}' with (format csv)")
        rows = _exec(
            conn,
            "select log_time, user_name, database_name, session_id, "
            "session_line_num, application_name, message from pgaudit_raw "
            "where message like 'AUDIT: %'",
        )
        for log_time, user, db, sid, line, app, message in rows:
            f = _parse(message)
            if f is None:
                continue
            read_as = user
            if user not in analysts and (app or "").startswith(AS_PREFIX):
                read_as = app[len(AS_PREFIX) :]
            with conn.cursor() as cur:
                cur.execute(
                    "insert into audit.pgaudit_log values (%s, %s, %s, %s, %s, %s, %s, %s, "
                    "%s, %s, %s, %s, %s, %s, %s) on conflict do nothing",
                    (
                        log_time,
                        user,
                        read_as,
                        db,
                        sid,
                        line,
                        app,
                        f[0],
                        int(f[1]) if f[1].isdigit() else None,
                        int(f[2]) if f[2].isdigit() else None,
                        f[3],
                        f[4],
                        f[5] or None,
                        f[6] or None,
                        f[7],
                    ),
                )
                added += cur.rowcount
        _exec(
            conn,
            "insert into audit.loaded_files values (%s, %s, now()) on conflict "
            "(file_name) do update set size = excluded.size, loaded_at = now()",
            (name, size),
        )
    _exec(conn, VIEW)
    conn.commit()
    return added


def who_read(conn: Any, tenant_id: str, start: date | datetime, end: date | datetime) -> list[tuple]:
    """(login, level, relation, reads, first, last) of every analyst read in
    [start, end) that could return tenant_id's rows: a scope on that tenant,
    a platform admin (reads every tenant), or a brand scope whose brand has
    rows of that tenant in marts.brand_daily (brand marts carry retailers'
    rows)."""
    return _exec(
        conn,
        """
        select login, level, relation, count(*) as reads, min(read_at), max(read_at)
        from audit.mart_reads
        where read_at >= %s and read_at < %s
            and (tenant_id = %s or level = 'platform_admin'
                 or (level = 'brand' and brand_id in (
                     select brand_id from marts.brand_daily where tenant_id = %s)))
        group by 1, 2, 3
        order by 1, 3""",
        (start, end, tenant_id, tenant_id),
    )
