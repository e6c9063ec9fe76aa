"""`retail-saas run [--force] [--build] [dbt options]`: the daily job's
command, for a scheduler to call every day or every 15 minutes.

It starts dbt only when something dbt reads changed since the last
successful run against the same database: it compares a fingerprint of
the run's inputs (every lake file's path, size and mtime; on PostgreSQL
the raw tables; the code under models/, macros/, seeds/, dbt_project.yml
and selectors.yml; the dbt version; the target and its environment; the
dbt options given, --vars included) with the one recorded in the target
database (table run_gate.last_successful_run). Equal, and no row
quarantined as loaded_at_after_run_start has landed by now: one line
"nothing landed since <time>: 0 models run, marts unchanged", exit 0,
dbt not started. Otherwise `dbt run` (or `dbt build` with --build) with
the options given, after `dbt seed` when the seeds changed; the
fingerprint taken before dbt started is recorded only if dbt succeeded.

  --force   run dbt even when nothing changed
  --build   `dbt build` (seeds, models and data tests) instead of `dbt run`

Every other option goes to dbt as is (-s, --vars, -t, --full-refresh, ...).
Errors: one line `retail-saas run: error: ...`, exit 1."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from retail_saas.passthrough import add_passthrough_parser

OWN_FLAGS = {"--force", "--build"}
QUARANTINE_MODEL = "stg_quarantined_rows"


def add_parser(sub: argparse._SubParsersAction) -> None:
    # every '-' option after `run` is read by _run (ours or dbt's)
    add_passthrough_parser(
        sub,
        "run",
        help="the daily job: dbt run only if something landed or changed since the last successful run",
        description=__doc__,
        func=_run,
        dest="dbt_args",
        args_help="--force, --build, and options for dbt",
    )


def _run(args: argparse.Namespace) -> int:
    from retail_saas.daily.fingerprint import GateError
    from retail_saas.publish.dbt_runs import PublishError

    given = list(args.dbt_args)
    if {"-h", "--help"} & set(given):
        print(__doc__)
        return 0
    try:
        return gate(
            [a for a in given if a not in OWN_FLAGS], force="--force" in given, build="--build" in given, env=dict(os.environ)
        )
    except (GateError, PublishError) as e:
        print(f"retail-saas run: error: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("retail-saas run: error: interrupted; nothing recorded (the next call runs dbt)", file=sys.stderr, flush=True)
        return 130
    except Exception as e:  # noqa: BLE001 - a file or database error: one line, never a traceback
        first = (str(e).strip().splitlines() or [""])[0]
        print(f"retail-saas run: error: {type(e).__name__}: {first}", file=sys.stderr, flush=True)
        return 1


def gate(dbt_args: list[str], force: bool, build: bool, env: dict[str, str]) -> int:
    from retail_saas.daily import fingerprint as fpr
    from retail_saas.daily.store import CLOCK_REASON, open_store, utc_now
    from retail_saas.publish import dbt_runs

    groups = dbt_runs.option_groups(dbt_args)
    target = dbt_runs.resolve_target(groups, env)
    store = open_store(target.name, env)
    command = "build" if build else "run"
    parts = fpr.fingerprint(target.project_dir, target.name, command, dbt_args, env, store.lake_part(dbt_args, env))
    last = store.read()
    if last is None:
        why = "no successful run recorded in this database"
    elif force:
        why = "--force"
    elif last.parts != parts:
        why = (
            "changed since the run of "
            + f"{last.recorded_at:%Y-%m-%d %H:%M:%S} UTC: "
            + ", ".join(k for k in parts if last.parts.get(k) != parts[k])
        )
    else:
        pending = store.pending_rows(last.quarantine_relation, utc_now())
        if pending == 0:
            print(f"nothing landed since {last.recorded_at:%Y-%m-%d %H:%M:%S} UTC: 0 models run, marts unchanged", flush=True)
            return 0
        why = (
            f"{pending} rows quarantined as {CLOCK_REASON} have landed by now"
            if pending
            else f"cannot read {last.quarantine_relation or QUARANTINE_MODEL}"
        )
    print(f"==> {why}: dbt {command}", flush=True)
    store.invalidate()  # dbt is about to change the database: no record until it succeeds
    if command == "run" and (last is None or last.parts.get("seeds") != parts["seeds"]):
        keep = dbt_runs.flatten([g for g in groups if dbt_runs.flag(g) in dbt_runs.PROJECT])
        print("==> seeds changed (or first run): dbt seed", flush=True)
        if dbt_runs.run("seed", keep, env) != 0:
            raise fpr.GateError("dbt seed failed (see above); nothing recorded: the next call runs dbt again")
    since = dbt_runs.now()
    rc = dbt_runs.run(command, dbt_args, env)
    result = dbt_runs.outcome(target, rc, since)
    if not result.ok:
        raise fpr.GateError(
            f"dbt {command} failed ({dbt_runs.describe(result.failed)}); nothing recorded: the next call runs dbt again"
        )
    rec = store.record(parts, quarantine_relation(target.target_path))
    print(f"==> recorded the inputs of this run ({rec.recorded_at:%Y-%m-%d %H:%M:%S} UTC) in {target.name}", flush=True)
    return 0


def quarantine_relation(target_path: Path) -> str:
    """stg_quarantined_rows as dbt named it in this run's manifest."""
    try:
        nodes = json.loads((target_path / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return ""
    found = [n.get("relation_name") or "" for n in nodes.values() if n.get("name") == QUARANTINE_MODEL]
    return found[0] if found else ""
