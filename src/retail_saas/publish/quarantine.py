"""The quarantine of a failed build: built even when dbt build skipped it.

`dbt build` skips every model downstream of a failing test, so a failed
build may not have built `stg_quarantined_rows`, the one place that
accounts for its bad rows. Then it is built alone (`dbt run -s
+stg_quarantined_rows`, views only) into the failed build's shadow, and
the caller copies it into a table (SNAPSHOT_TABLE) that an engineer can
read after the lake has moved on."""

from __future__ import annotations

from retail_saas.publish import dbt_runs

QUARANTINE_MODEL = "stg_quarantined_rows"
SNAPSHOT_TABLE = "failed_build_quarantine"


def quarantine_fallback(groups: list[list[str]], env: dict[str, str], result: dbt_runs.Outcome) -> None:
    if QUARANTINE_MODEL in result.built:
        return
    print(f"==> {QUARANTINE_MODEL} was not built: building it alone for the failed build", flush=True)
    keep = [g for g in groups if dbt_runs.flag(g) in dbt_runs.PROJECT]
    dbt_runs.run("run", [*dbt_runs.flatten(keep), "-s", f"+{QUARANTINE_MODEL}"], env)
