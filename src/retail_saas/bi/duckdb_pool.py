"""One open DuckDB instance per Superset process on the published marts
file, opened again when a build publishes a new file.

Superset builds a new SQLAlchemy engine (NullPool) for every chart query;
on DuckDB each one opened the file, which took 0.23-0.35 s at scale 1
(the catalog read again, a cold buffer cache) before the query itself
(milliseconds). bi/superset_config.py's DB_CONNECTION_MUTATOR gives those
engines a `creator` that returns a new connection of an in-memory DuckDB
instance that has attached the file read-only: under 1 ms, warm cache.

Freshness: the file's identity (device, inode, size, mtime) is read at
every connection. `retail-saas build` publishes with os.replace, so a new
identity is a new build: a new instance attaches the new file and the old
one is closed (a query already running on it ends on the old build,
whole). Not `duckdb.connect(path)`: DuckDB caches instances by path and
would hand back the old build while any connection to it is still open.

The restrictions of the per-query connections are kept: the file is
attached read-only, then external access is switched off and the
configuration locked (no file reads, no other attach, no setting back on),
for SQL Lab's admin too. A reader's shared lock on the file does not
block a publish build (it writes a shadow file, then renames it)."""

from __future__ import annotations

import os
import threading

import duckdb

ALIAS = "published_marts"


class PublishedMarts:
    """Connections to one DuckDB file, through one instance per build."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._identity: tuple | None = None
        self._instance: duckdb.DuckDBPyConnection | None = None
        self._pid = os.getpid()

    def _file_identity(self) -> tuple:
        st = os.stat(self.path)
        return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)

    def _open(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        try:
            quoted = self.path.replace("'", "''")
            con.execute(f"attach '{quoted}' as {ALIAS} (read_only)")
            con.execute(f"use {ALIAS}")
            con.execute("set enable_external_access = false")
            con.execute("set lock_configuration = true")
        except Exception:
            con.close()
            raise
        return con

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A new connection on the instance of the file as it is now."""
        identity = self._file_identity()
        with self._lock:
            if self._pid != os.getpid():  # a forked child: never share an instance
                self._instance, self._identity, self._pid = None, None, os.getpid()
            if identity != self._identity or self._instance is None:
                old, self._instance = self._instance, self._open()
                self._identity = identity
                if old is not None:
                    old.close()
            con = self._instance.cursor()
        con.execute(f"use {ALIAS}")
        return con


_POOLS: dict[str, PublishedMarts] = {}
_POOLS_LOCK = threading.Lock()


def pool(path: str) -> PublishedMarts:
    with _POOLS_LOCK:
        return _POOLS.setdefault(path, PublishedMarts(path))


def _reserved_words_once() -> None:
    """duckdb-engine asks DuckDB for its reserved words each time it builds
    a dialect, and Superset builds about 9 engines per chart query (60 ms
    of one on a busy machine). The list is fixed per DuckDB release: asked
    once per process."""
    import duckdb_engine
    from sqlalchemy.dialects.postgresql.base import PGIdentifierPreparer

    preparer = duckdb_engine.DuckDBIdentifierPreparer
    if getattr(preparer, "_retail_saas_words", None) is not None:
        return
    words = frozenset(
        k
        for (k,) in duckdb.connect(":memory:")
        .execute("select keyword_name from duckdb_keywords() where keyword_category = 'reserved'")
        .fetchall()
    )

    def __init__(self, dialect, **kwargs) -> None:
        PGIdentifierPreparer.__init__(self, dialect, **kwargs)
        self.reserved_words.update(words)

    preparer.__init__ = __init__
    preparer._retail_saas_words = words


def mutate(url, params: dict) -> tuple:
    """DB_CONNECTION_MUTATOR body: DuckDB file URLs get the pooled creator;
    any other URL (PostgreSQL, an in-memory DuckDB) is left as it is."""
    if url.get_backend_name() != "duckdb" or url.database in (None, "", ":memory:"):
        return url, params
    from duckdb_engine import ConnectionWrapper  # .venv-bi only

    _reserved_words_once()
    marts = pool(os.path.abspath(url.database))
    params = dict(params, creator=lambda: ConnectionWrapper(marts.cursor()))
    return url, params
