"""The daily job's gate: `retail-saas run` starts dbt only when something
that dbt reads changed since the last successful run (README "Daily job")."""
