"""pytest fixture `pg_env`: the PG* variables of a PostgreSQL database that
the tests own for the session.

- If PGHOST is set, the user's own server is used: a fresh database
  `retail_saas_pytest_<pid>` is created there and dropped at the end (or,
  with RETAIL_SAAS_PG_TEST_DATABASE=<name>, that existing database is used
  as is and kept).
- Otherwise a private server is started (retail_saas.postgres.server):
  PostgreSQL is installed with apt-get when missing, `initdb` runs in a new
  temporary directory as the `postgres` OS user, and the server listens on
  127.0.0.1 only, on a free port; it is stopped and removed at the end.

Under CI=true a server that cannot be installed or started is a test
failure (never a skip); elsewhere the PostgreSQL tests are skipped with
the reason.
"""

from __future__ import annotations

import os
import time

import pytest

from retail_saas.postgres.server import PostgresServer

PG_VARS = ("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE")
IN_CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")

# Seconds per step, for the summary printed by the tests.
TIMINGS: dict[str, float] = {}


def unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"PostgreSQL is required under CI=true: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


def _external_env():
    """Use the user's server (PGHOST set): a database of our own there."""
    import psycopg2

    from retail_saas.postgres.connection import connection_params

    env = {k: os.environ[k] for k in PG_VARS if k in os.environ}
    given = os.environ.get("RETAIL_SAAS_PG_TEST_DATABASE")
    if given:
        env["PGDATABASE"] = given
        try:
            psycopg2.connect(**connection_params(env)).close()
        except Exception as e:
            unavailable(f"cannot connect to {given} on PGHOST={env['PGHOST']}: {e}")
        yield env
        return

    dbname = f"retail_saas_pytest_{os.getpid()}"
    admin = dict(env, PGDATABASE=os.environ.get("PGDATABASE") or "postgres")

    def admin_exec(stmt: str) -> None:
        conn = psycopg2.connect(**connection_params(admin))
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute(stmt)
        finally:
            conn.close()

    try:
        admin_exec(f'drop database if exists "{dbname}"')
        admin_exec(f'create database "{dbname}"')
    except Exception as e:
        unavailable(
            f"cannot create database {dbname} on PGHOST={env['PGHOST']} ({e}); "
            "set RETAIL_SAAS_PG_TEST_DATABASE to an existing, disposable database"
        )
    try:
        yield dict(env, PGDATABASE=dbname)
    finally:
        try:
            admin_exec(f'drop database if exists "{dbname}" with (force)')
        except Exception:
            admin_exec(f'drop database if exists "{dbname}"')


def _private_env():
    server = PostgresServer(install=True)
    try:
        server.start()
    except Exception as e:  # noqa: BLE001 - any failure is "unavailable"
        server.stop()
        unavailable(f"could not install/start a private server: {e}")
    TIMINGS.update({f"server {k}": v for k, v in server.timings.items()})
    try:
        yield server.env
    finally:
        t0 = time.monotonic()
        server.stop()
        TIMINGS["server stop"] = time.monotonic() - t0


@pytest.fixture(scope="session")
def pg_env():
    """PG* variables (dict) of a database the test session owns."""
    if os.environ.get("PGHOST"):
        yield from _external_env()
    else:
        yield from _private_env()
