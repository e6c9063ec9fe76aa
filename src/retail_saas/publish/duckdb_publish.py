"""Write-audit-publish on DuckDB: a shadow file, one atomic rename.

The published file (RETAIL_SAAS_DUCKDB_PATH) is never written in place.
A build first checks that every file of the lake can be read
(lake_check: a problem stops it before dbt, in one line naming the
file), then copies the published file to `<name>.shadow.duckdb` beside
it (so incremental models find their state; a new file when nothing is
published yet), runs `dbt build` on the copy, checkpoints it and, only if
every node passed, renames it onto the published path with os.replace. A
reader that holds the published file open keeps reading the file it
opened (the old inode lives on until it closes); a reader that opens it
later gets the new one, whole. A failed build's file is kept as `<name>.failed.duckdb`, with its
quarantine copied into table staging.failed_build_quarantine.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import duckdb

from retail_saas.publish import dbt_runs, lake_check
from retail_saas.publish.dbt_runs import PublishError
from retail_saas.publish.quarantine import QUARANTINE_MODEL, SNAPSHOT_TABLE, quarantine_fallback, where


def sibling(published: Path, tag: str) -> Path:
    """`<stem>.<tag><suffix>` beside the published file."""
    return published.with_name(f"{published.stem}.{tag}{published.suffix}")


def _remove(db: Path) -> None:
    """A database file and what DuckDB keeps beside it (WAL, spill dir)."""
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.tmp", ignore_errors=True)


@contextmanager
def build_lock(published: Path):
    """One publish build per published file at a time (a lock file)."""
    lock_path = published.with_name(published.name + ".lock")
    with open(lock_path, "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"another `retail-saas build` is publishing {published} (lock {lock_path})") from None
        yield


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _checkpoint(db: Path) -> None:
    """Everything of the build in the file itself (no WAL to carry)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("checkpoint")
    finally:
        con.close()
    if Path(f"{db}.wal").exists():
        raise PublishError(f"{db}.wal is left after a checkpoint: not publishing")
    with open(db, "rb+") as fh:
        os.fsync(fh.fileno())


def publish_file(shadow: Path, published: Path) -> None:
    """The shadow file, checkpointed, renamed onto the published path.
    A WAL of the old file (left by someone writing it in place) must not
    be replayed onto the new one: it goes first."""
    _checkpoint(shadow)
    Path(f"{published}.wal").unlink(missing_ok=True)
    os.replace(shadow, published)
    _fsync_dir(published.parent)


def _quarantine_rows(db: Path, copy: bool) -> int | None:
    """Rows of the failed build's quarantine table, first copied from its
    model if `copy`; None if there is none."""
    con = duckdb.connect(str(db))
    found = "select count(*) from information_schema.tables where table_schema = 'staging' and table_name = ?"
    try:
        if copy and con.execute(found, [QUARANTINE_MODEL]).fetchone()[0]:
            con.execute(f"create or replace table staging.{SNAPSHOT_TABLE} as select * from staging.{QUARANTINE_MODEL}")
        if not con.execute(found, [SNAPSHOT_TABLE]).fetchone()[0]:
            return None
        return con.execute(f"select count(*) from staging.{SNAPSHOT_TABLE}").fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def build(groups: list[list[str]], target: dbt_runs.Target) -> int:
    env = dict(target.env)
    published = Path(env.get("RETAIL_SAAS_DUCKDB_PATH", "target/retail_saas.duckdb")).resolve()
    published.parent.mkdir(parents=True, exist_ok=True)
    shadow, failed = sibling(published, "shadow"), sibling(published, "failed")
    lake_check.check(groups, env)  # a file DuckDB cannot read stops here, in one line
    with build_lock(published):
        _remove(shadow)  # a killed build's leftover
        if published.exists():
            shutil.copy2(published, shadow)
            if Path(f"{published}.wal").exists():
                shutil.copy2(f"{published}.wal", f"{shadow}.wal")
            print(f"==> shadow {shadow}: a copy of the published file ({published.stat().st_size / 1e6:.1f} MB)", flush=True)
        else:
            print(f"==> shadow {shadow}: a new file (nothing published yet at {published})", flush=True)
        env["RETAIL_SAAS_DUCKDB_PATH"] = str(shadow)
        print("==> dbt build into the shadow (readers of the published file see none of it)", flush=True)
        since = dbt_runs.now()
        rc = dbt_runs.run("build", dbt_runs.flatten(groups), env)
        result = dbt_runs.outcome(target, rc, since)
        if result.ok:
            publish_file(shadow, published)
            print(f"==> published {published}", flush=True)
            return 0
        unbuilt = quarantine_fallback(groups, env, result)
        rows = _quarantine_rows(shadow, copy=unbuilt is None)
        _remove(failed)
        os.replace(shadow, failed)
        if Path(f"{shadow}.wal").exists():
            os.replace(f"{shadow}.wal", f"{failed}.wal")
        raise PublishError(
            f"build failed ({dbt_runs.describe(result.failed)}); the published marts"
            f" are untouched ({published}); what it built is in {failed},"
            f" {where(rows, unbuilt, f'staging.{SNAPSHOT_TABLE}')}"
        )
