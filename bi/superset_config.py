"""Superset settings for the retail_saas dashboards (SUPERSET_CONFIG_PATH).

State lives in RETAIL_SAAS_BI_HOME (default target/superset, outside git):
the metadata SQLite file and the SECRET_KEY, generated on first start.
Tenant-facing users may not send custom SQL: the request guard of
retail_saas.bi.guard refuses it before Superset runs a query."""

from __future__ import annotations

import logging
import os
import secrets
import sqlite3
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from superset.utils.log import AbstractEventLogger

from retail_saas.bi import duckdb_pool
from retail_saas.bi.guard import install_guard

HOME = Path(os.environ.get("RETAIL_SAAS_BI_HOME", "target/superset")).resolve()
HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    # Kept in the state folder, never in the repo; 0600 like any key file.
    path = HOME / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
SQLALCHEMY_DATABASE_URI = f"sqlite:///{HOME / 'superset.db'}"
SQLALCHEMY_EXAMPLES_URI = None

FEATURE_FLAGS = {
    "DASHBOARD_NATIVE_FILTERS": True,
    "DASHBOARD_RBAC": True,
    # No subqueries in adhoc expressions, no Jinja in SQL: nothing a user
    # types can reach another table or the RLS-free inner query.
    "ALLOW_ADHOC_SUBQUERY": False,
    "ENABLE_TEMPLATE_PROCESSING": False,
    "ALERT_REPORTS": False,
    "EMBEDDED_SUPERSET": False,
}
# No result cache: every chart asks the marts (a build publishes atomically,
# so the answer is always one whole build) and no cache key can mix scopes.
DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
THUMBNAIL_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
FILTER_STATE_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
EXPLORE_FORM_DATA_CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 86400}
GLOBAL_ASYNC_QUERIES = False
RATELIMIT_ENABLED = False
AUTH_RATE_LIMITED = False
TALISMAN_ENABLED = False
CONTENT_SECURITY_POLICY_WARNING = False
WTF_CSRF_ENABLED = True
SQLLAB_CTAS_NO_LIMIT = False
ROW_LIMIT = 50000
PUBLIC_ROLE_LIKE = None
AUTH_USER_REGISTRATION = False
SHOW_STACKTRACE = False
# Chart queries over local marts: a stuck one is a bug, not a wait.
SUPERSET_WEBSERVER_TIMEOUT = 60
SQLLAB_TIMEOUT = 60
LOG_LEVEL = os.environ.get("RETAIL_SAAS_BI_LOG_LEVEL", "WARNING")

FLASK_APP_MUTATOR = install_guard


class LoggingEventLogger(AbstractEventLogger):
    """Superset's action events to Python logging (logger superset.events,
    shown at RETAIL_SAAS_BI_LOG_LEVEL=INFO), not to the metadata database:
    the default logger committed the session about 6 times per chart query,
    and each commit also expired the chart's dataset, read again from SQLite
    (0.3 s of a chart query on a busy machine)."""

    def log(self, user_id, action, dashboard_id, duration_ms, slice_id, referrer, *args, **kwargs) -> None:
        logging.getLogger("superset.events").info(
            "user %s %s dashboard %s chart %s %s ms", user_id, action, dashboard_id, slice_id, duration_ms
        )


EVENT_LOGGER = LoggingEventLogger()


@event.listens_for(Engine, "connect")
def _sqlite_metadata_pragmas(dbapi_connection, _record) -> None:
    """The metadata file: write-ahead log (readers never wait for a
    writer) and synchronous=normal (no fsync per commit; after a crash the
    file is consistent, at worst without its last commits)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("pragma journal_mode=wal")
        cur.execute("pragma synchronous=normal")
        cur.close()


def DB_CONNECTION_MUTATOR(url, params, username, security_manager, source):
    """DuckDB: connections of one open instance per build of the marts file
    (retail_saas.bi.duckdb_pool), not a file open per query."""
    return duckdb_pool.mutate(url, params)
