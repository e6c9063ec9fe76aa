"""PostgreSQL as a warehouse: a private server for tests and users
(`server`), the lake loader into schema `raw` (`loader`), and the CLI
sub-commands `load-postgres` and `pg-server` (`cli`)."""

from retail_saas.postgres.connection import connect, connection_params
from retail_saas.postgres.loader import LakeError, load_lake
from retail_saas.postgres.server import PostgresServer, ServerError

__all__ = [
    "LakeError",
    "PostgresServer",
    "ServerError",
    "connect",
    "connection_params",
    "load_lake",
]
