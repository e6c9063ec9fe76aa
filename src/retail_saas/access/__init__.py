"""Who may read which rows of the marts (docs/access.md).

Entitlements (`access.user_scopes`: login, level, ids, validity) are the
one source of *who* sees *what*; `vars.access_policies` in dbt_project.yml
says which level reads which marts by which columns. On PostgreSQL the
policies of the on-run-end hook read the entitlements of `current_user`;
on DuckDB (no users) readers apply `mart_filter` themselves.
"""

from retail_saas.access.policy import LEVELS, declaration, level_columns, mart_filter
from retail_saas.access.store import (
    AccessError,
    Scope,
    connect_as,
    grant,
    list_scopes,
    open_dims,
    open_store,
    revoke,
)

__all__ = [
    "LEVELS",
    "AccessError",
    "Scope",
    "connect_as",
    "declaration",
    "grant",
    "level_columns",
    "list_scopes",
    "mart_filter",
    "open_dims",
    "open_store",
    "revoke",
]
