"""Connection parameters from the PG* environment variables, with the same
defaults as the `postgres` target of profiles.yml (so that the loader and
dbt always talk to the same database)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEFAULTS = {
    "PGHOST": "localhost",
    "PGPORT": "5432",
    "PGUSER": "postgres",
    "PGPASSWORD": "",
    "PGDATABASE": "retail_saas",
}


def connection_params(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """psycopg2 keyword arguments from PG* variables (profiles.yml defaults)."""
    env = os.environ if env is None else env
    get = lambda k: env.get(k) or DEFAULTS[k]  # noqa: E731
    params: dict[str, Any] = {
        "host": get("PGHOST"),
        "port": int(get("PGPORT")),
        "user": get("PGUSER"),
        "dbname": get("PGDATABASE"),
        "application_name": "retail_saas",
    }
    if env.get("PGPASSWORD"):
        params["password"] = env["PGPASSWORD"]
    return params


def connect(env: Mapping[str, str] | None = None, **overrides: Any):
    """A psycopg2 connection (not autocommit) from the PG* variables."""
    import psycopg2

    params = connection_params(env)
    params.update(overrides)
    return psycopg2.connect(**params)
