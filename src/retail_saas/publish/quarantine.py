"""The quarantine of a failed build: written even when dbt build did not
build it.

The quarantine is kept as a table (SNAPSHOT_TABLE, beside the model) that
an engineer can read after the lake has moved on. If the build built
`stg_quarantined_rows`, the caller copies it. But `dbt build` skips every
model downstream of a failing test or a failed model, so a failed build may
not have built it, the one place that accounts for its bad rows. Then it
is built alone (`dbt run -s +stg_quarantined_rows`, views only) into the
failed build's shadow, and the run-operation `failed_build_quarantine`
(macros/publish/) copies the bad rows of every source whose validated
model the failed build or that run built: a source whose staging failed (a
missing column) has none, and the caller says which. Built, not merely
present: the shadow starts with the published incremental tables (the
val_events__ models), whose rows are the last publish's, not this lake's."""

from __future__ import annotations

import json
import time

from retail_saas.publish import dbt_runs

QUARANTINE_MODEL = "stg_quarantined_rows"
SNAPSHOT_TABLE = "failed_build_quarantine"
_LOGGED = "failed_build_quarantine: "


def quarantine_fallback(groups: list[list[str]], env: dict[str, str], result: dbt_runs.Outcome) -> list[str] | None:
    """None if the failed build built QUARANTINE_MODEL (the caller copies
    it); else SNAPSHOT_TABLE is written in its shadow from what can be
    built, and the source tables it has no rows for are returned."""
    if QUARANTINE_MODEL in result.built:
        return None
    keep = dbt_runs.flatten([g for g in groups if dbt_runs.flag(g) in dbt_runs.PROJECT])
    print(f"==> {QUARANTINE_MODEL} was not built: building it alone for the failed build", flush=True)
    since = time.time()
    rc = dbt_runs.run("run", [*keep, "-s", f"+{QUARANTINE_MODEL}"], env)
    built = result.built | dbt_runs.outcome(dbt_runs.resolve_target(groups, env), rc, since).built
    print(f"==> the bad rows of every source it could build copied into table {SNAPSHOT_TABLE}", flush=True)
    seen: list[str] = []
    validated = sorted(name for name in built if name.startswith("val_"))
    dbt_runs.run("run-operation", [*keep, SNAPSHOT_TABLE, "--args", json.dumps({"built": validated})], env, seen)
    logged = [ln.split(_LOGGED, 1)[1] for ln in seen if _LOGGED in ln]
    unbuilt = logged[-1].split("none for:", 1)[1].strip() if logged else "-"
    return [] if unbuilt == "-" else [t.strip() for t in unbuilt.split(",")]


def where(rows: int | None, unbuilt: list[str] | None, table: str) -> str:
    """The end of a failed build's error line: where its quarantine is."""
    if rows is None:
        return "its quarantine could not be built"
    lacking = f"; none for {dbt_runs.describe(unbuilt, 5)}, whose staging failed" if unbuilt else ""
    return f"its quarantine ({rows} rows{lacking}) is in table {table}"
