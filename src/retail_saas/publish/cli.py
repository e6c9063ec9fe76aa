"""`retail-saas build [dbt build options]`: dbt build, then publish.

Every option is passed to `dbt build` as is (-s, --exclude, --full-refresh,
--vars, ...). The target (RETAIL_SAAS_TARGET or -t) picks the publish:
duckdb (a shadow file swapped with os.replace), postgres (shadow schemas
swapped in one transaction). Progress is dbt's own output between `==>`
steps; a failure ends with one line `retail-saas build: error: ...` and
exit code 1."""

from __future__ import annotations

import argparse
import os
import sys

from retail_saas.passthrough import add_passthrough_parser

TARGET_TYPES = {"duckdb": "duckdb", "postgres": "postgres"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    # every '-' option after `build` is dbt's, not ours
    add_passthrough_parser(
        sub,
        "build",
        help="dbt build into a shadow, then publish it whole if every test passed",
        description=__doc__,
        func=_build,
        dest="dbt_args",
        args_help="options for dbt build",
    )


def _build(args: argparse.Namespace) -> int:
    from retail_saas.publish import dbt_runs, duckdb_publish, postgres_publish

    try:
        if {"-h", "--help"} & set(args.dbt_args):
            print(__doc__)
            return dbt_runs.run("build", ["--help"], dict(os.environ))
        groups = dbt_runs.option_groups(list(args.dbt_args))
        target = dbt_runs.resolve_target(groups, dict(os.environ))
        kind = TARGET_TYPES.get(target.name)
        if kind is None:
            raise dbt_runs.PublishError(
                f"no publish step for target {target.name!r} (duckdb and postgres only; Redshift and"
                ' Spark: docs/postgres.md "Publishing on Redshift and Spark"); run `dbt build` there'
            )
        publish = duckdb_publish.build if kind == "duckdb" else postgres_publish.build
        return publish(groups, target)
    except dbt_runs.PublishError as e:
        print(f"retail-saas build: error: {e}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("retail-saas build: error: interrupted; nothing published", file=sys.stderr, flush=True)
        return 130
    except Exception as e:  # noqa: BLE001 - a file or database error: one line, never a traceback
        first = (str(e).strip().splitlines() or [""])[0]
        print(
            f"retail-saas build: error: {type(e).__name__}: {first} (the published marts are as before"
            " unless the line above says published)",
            file=sys.stderr,
            flush=True,
        )
        return 1
