"""Apache Superset on the marts: dashboards as code, scoped by login."""
