"""Write-audit-publish on PostgreSQL: shadow schemas, one swap transaction.

`dbt build` runs with RETAIL_SAAS_SCHEMA_SUFFIX=__shadow, so every model
and seed lands in `<schema>__shadow` (macros/cross_db/
generate_schema_name.sql) and the access hook secures the shadow marts.
Its on-run-start hook (macros/publish/) first copies into the shadow the
published tables the build needs: those of the incremental models (their
state; not with --full-refresh) and, in a build of a selection, those of
every model the selection leaves out. Views are not carried over: if the
published schemas hold a view or table that a selection does not rebuild
or carry, the build is not published (it says which). Only if every node
passed, one
transaction renames each published schema away, renames its shadow in,
and drops the old one. Grants, row-level security policies, indexes and
comments belong to the tables and the schema, so they move with them.

Readers: the swap must not give a REPEATABLE READ reader a mix, and
PostgreSQL resolves names with the newest catalog, not the reader's
snapshot. So the swap waits (a) until no client backend holds a snapshot
older than the end of the build (it would see the new tables without
their rows) and (b) for the locks of the old tables, which a reader that
has read an old mart holds to its transaction's end (the drop needs them).
It never queues in front of readers for long: each attempt gives up after
LOCK_TIMEOUT and is retried until RETAIL_SAAS_PUBLISH_WAIT seconds.
"""

from __future__ import annotations

import time

from retail_saas.publish import dbt_runs
from retail_saas.publish.dbt_runs import PublishError
from retail_saas.publish.quarantine import QUARANTINE_MODEL, SNAPSHOT_TABLE, quarantine_fallback, where

SUFFIX_VAR = "RETAIL_SAAS_SCHEMA_SUFFIX"
SHADOW, OLD, FAILED = "__shadow", "__old", "__failed"
LOCK_TIMEOUT = "200ms"
DEFAULT_WAIT = 600.0
ADVISORY_KEY = "retail_saas.publish"
QUARANTINE_SCHEMA = "staging"  # where stg_quarantined_rows is built (its folder's +schema)

# Tables and views of a schema (relkind: r table, p partitioned, v view,
# m materialized view).
_RELATIONS = """
    select c.relname, c.relkind from pg_class as c join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = %s and c.relkind in ('r', 'p', 'v', 'm')
"""

# Views outside `schemas` that read a relation inside them: the swap would
# drop them with the old schema.
_OUTSIDE_DEPENDENTS = """
    select distinct dn.nspname || '.' || dc.relname
    from pg_depend as d
    join pg_rewrite as r on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
    join pg_class as dc on dc.oid = r.ev_class
    join pg_namespace as dn on dn.oid = dc.relnamespace
    join pg_class as c on d.refclassid = 'pg_class'::regclass and c.oid = d.refobjid
    join pg_namespace as n on n.oid = c.relnamespace
    where n.nspname = any(%s) and dn.nspname <> all(%s)
"""

# Client backends of this database whose snapshot is older than xid %s.
_OLD_SNAPSHOTS = """
    select pid from pg_stat_activity
    where datname = current_database() and pid <> pg_backend_pid()
      and backend_type = 'client backend' and backend_xmin is not null
      and age(backend_xmin) >= age(%s::text::xid)
"""

# Who may use a schema besides its owner.
_SCHEMA_GRANTEES = """
    select distinct coalesce(quote_ident(r.rolname), 'public')
    from pg_namespace as n cross join lateral aclexplode(n.nspacl) as a
    left join pg_roles as r on r.oid = a.grantee
    where n.nspname = %s and a.grantee <> n.nspowner
"""


def _ident(name: str):
    from psycopg2 import sql

    return sql.Identifier(name)


def _q(stmt: str, *names: str):
    from psycopg2 import sql

    return sql.SQL(stmt).format(*[_ident(n) for n in names])


class Warehouse:
    """The dbt database, through one autocommit connection that also holds
    the publish lock (a session advisory lock) for the whole build."""

    def __init__(self, env: dict[str, str]):
        import psycopg2

        from retail_saas.postgres.connection import connect

        try:
            self.conn = connect(env, application_name="retail_saas_publish")
        except psycopg2.Error as e:
            raise PublishError(f"cannot connect to PostgreSQL: {str(e).strip().splitlines()[0]}") from None
        self.conn.autocommit = True
        self.cur = self.conn.cursor()
        self.cur.execute("select pg_try_advisory_lock(hashtext(%s))", (ADVISORY_KEY,))
        if not self.cur.fetchone()[0]:
            self.conn.close()
            raise PublishError("another `retail-saas build` is publishing into this database")

    def close(self) -> None:
        self.conn.close()

    def one(self, stmt, args=()) -> list:
        self.cur.execute(stmt, args)
        return self.cur.fetchall()

    def schema_exists(self, schema: str) -> bool:
        return bool(self.one("select 1 from pg_namespace where nspname = %s", (schema,)))

    def relations(self, schema: str) -> dict[str, str]:
        return dict(self.one(_RELATIONS, (schema,)))

    def drop_schema(self, schema: str) -> None:
        self.cur.execute(_q("drop schema if exists {} cascade", schema))


def _shadow_schemas(wh: Warehouse) -> list[str]:
    """The shadow schemas there are now: after _prepare, the ones this
    build wrote (a published schema it did not write is not swapped)."""
    return [
        r[0] for r in wh.one("select nspname from pg_namespace where right(nspname, %s) = %s order by 1", (len(SHADOW), SHADOW))
    ]


def _prepare(wh: Warehouse) -> None:
    """No shadow or old schema left by a killed build: the build starts
    from the published schemas only (macros/publish/ copies their state)."""
    for s in _shadow_schemas(wh):
        wh.drop_schema(s)
    for (s,) in wh.one("select nspname from pg_namespace where right(nspname, %s) = %s", (len(OLD), OLD)):
        wh.drop_schema(s)


def _check_complete(wh: Warehouse, schemas: list[str]) -> None:
    """A build of a selection must not drop what it did not rebuild."""
    lost = [f"{s}.{rel}" for s in schemas for rel in sorted(set(wh.relations(s)) - set(wh.relations(s + SHADOW)))]
    if lost:
        raise PublishError(
            f"not published: the shadow lacks {dbt_runs.describe(lost, 5)}, which the"
            " published schemas have (excluded from this selection?)"
        )


def _swap(wh: Warehouse, schemas: list[str], wait: float) -> None:
    """The shadow schemas in, the old ones dropped: one transaction, once
    no reader with an older snapshot or a lock on the old tables is left."""
    import psycopg2
    from psycopg2 import errors

    outside = wh.one(_OUTSIDE_DEPENDENTS, (schemas, schemas))
    if outside:
        raise PublishError(
            f"not published: views outside the build's schemas read its relations and"
            f" would be dropped by the swap: {dbt_runs.describe([r[0] for r in outside], 5)}"
        )
    built_by = int(wh.one("select pg_current_xact_id()::text")[0][0]) & 0xFFFFFFFF
    deadline = time.monotonic() + wait
    waited_for: set[int] = set()
    attempts = 0
    while True:
        old = [r[0] for r in wh.one(_OLD_SNAPSHOTS, (str(built_by),))]
        if not old:
            attempts += 1
            try:
                with wh.conn:  # one transaction (the connection is autocommit outside it)
                    wh.conn.autocommit = False
                    wh.cur.execute(f"set local lock_timeout = '{LOCK_TIMEOUT}'")
                    for s in schemas:
                        if wh.schema_exists(s):
                            wh.cur.execute(_q("alter schema {} rename to {}", s, s + OLD))
                        wh.cur.execute(_q("alter schema {} rename to {}", s + SHADOW, s))
                    for s in schemas:
                        wh.drop_schema(s + OLD)
                print(
                    f"==> swapped in one transaction: {', '.join(schemas)}"
                    f" (attempt {attempts}; waited for backends {sorted(waited_for) or 'none'})",
                    flush=True,
                )
                return
            except (errors.LockNotAvailable, errors.DeadlockDetected):
                pass
            except psycopg2.Error as e:
                raise PublishError(f"the swap failed: {str(e).strip().splitlines()[0]}") from None
            finally:
                wh.conn.autocommit = True
            old = [
                r[0]
                for r in wh.one(
                    "select pid from pg_locks where relation = any(select c.oid from pg_class c"
                    " join pg_namespace n on n.oid = c.relnamespace where n.nspname = any(%s))"
                    " and pid <> pg_backend_pid() and granted",
                    (schemas,),
                )
            ]
        if set(old) - waited_for:
            print(
                f"==> waiting for backends {sorted(set(old))}: their snapshots are older than the build"
                " or they hold locks on the published relations",
                flush=True,
            )
        waited_for.update(old)
        if time.monotonic() > deadline:
            raise PublishError(
                f"not published after {wait:.0f}s: backends {sorted(set(old))} kept old snapshots"
                f" or locks on the published marts; the audited build is in schemas *{SHADOW}"
            )
        time.sleep(0.25)


def _keep_failed(wh: Warehouse, schemas: list[str], copy: bool, quarantine_schema: str = QUARANTINE_SCHEMA) -> int | None:
    """The failed build's schemas as `<schema>__failed` (usable by their
    owner only), with its quarantine table, first copied from its model if
    `copy`; that table's rows."""
    home = quarantine_schema + SHADOW
    if copy and QUARANTINE_MODEL in wh.relations(home):
        try:
            wh.cur.execute(_q("create table {}.{} as select * from {}.{}", home, SNAPSHOT_TABLE, home, QUARANTINE_MODEL))
        except Exception:  # noqa: BLE001 - a quarantine that cannot be read is reported as missing
            pass
    rows = None
    if SNAPSHOT_TABLE in wh.relations(home):
        rows = wh.one(_q("select count(*) from {}.{}", home, SNAPSHOT_TABLE))[0][0]
    for s in schemas:
        wh.drop_schema(s + FAILED)
        if wh.schema_exists(s + SHADOW):
            wh.cur.execute(_q("alter schema {} rename to {}", s + SHADOW, s + FAILED))
            for (grantee,) in wh.one(_SCHEMA_GRANTEES, (s + FAILED,)):
                wh.cur.execute(_q("revoke all on schema {} from ", s + FAILED).as_string(wh.conn) + grantee)
    return rows


def build(groups: list[list[str]], target: dbt_runs.Target) -> int:
    env = dict(target.env, **{SUFFIX_VAR: SHADOW})
    selective = dbt_runs.has(groups, *dbt_runs.SELECTION)
    wait = float(env.get("RETAIL_SAAS_PUBLISH_WAIT", DEFAULT_WAIT))
    wh = Warehouse(env)
    try:
        _prepare(wh)
        print(f"==> dbt build into schemas *{SHADOW} (readers of the published schemas see none of it)", flush=True)
        since = dbt_runs.now()
        rc = dbt_runs.run("build", dbt_runs.flatten(groups), env)
        result = dbt_runs.outcome(target, rc, since)
        if result.ok:
            schemas = [s[: -len(SHADOW)] for s in _shadow_schemas(wh)]
            if not schemas:
                raise PublishError(
                    f"no model was built into a schema with the suffix {SHADOW}: does"
                    f" macros/cross_db/generate_schema_name.sql read {SUFFIX_VAR}?"
                )
            if selective:
                _check_complete(wh, schemas)
            _swap(wh, schemas, wait)
            print(f"==> published schemas {', '.join(schemas)} on {env.get('PGDATABASE', '?')}", flush=True)
            return 0
        unbuilt = quarantine_fallback(groups, env, result)
        rows = _keep_failed(wh, [s[: -len(SHADOW)] for s in _shadow_schemas(wh)], copy=unbuilt is None)
        raise PublishError(
            f"build failed ({dbt_runs.describe(result.failed)}); the published schemas"
            f" are untouched; the failed build is in schemas *{FAILED},"
            f" {where(rows, unbuilt, f'{QUARANTINE_SCHEMA + FAILED}.{SNAPSHOT_TABLE}')}"
        )
    finally:
        wh.close()
