"""The lake checked before a DuckDB publish build: DuckDB reads the lake's
files during the build itself, so a file it cannot read (0 bytes,
truncated, not UTF-8, a table or contract column missing) would stop dbt
midway with DuckDB's message, several lines long. `retail-saas check-lake`'s
reading (retail_saas.postgres.loader.plan_lake) runs first instead, and a
problem stops the build before dbt starts, in one line naming the file."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import yaml

from retail_saas.publish import dbt_runs
from retail_saas.publish.dbt_runs import PublishError


def lake_of(groups: list[list[str]], env: dict[str, str]) -> tuple[Path, str]:
    """Where the build reads the lake and in which format, as the sources'
    yml decide it: var lake_path / lake_format (--vars), else env
    RETAIL_SAAS_LAKE / RETAIL_SAAS_LAKE_FORMAT, else data/lake, parquet."""
    given: dict = {}
    for text in dbt_runs.values(groups, "--vars"):
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError:
            raise PublishError(f"--vars is not a YAML mapping: {text!r}") from None
        if not isinstance(parsed, dict):
            raise PublishError(f"--vars is not a YAML mapping: {text!r}")
        given.update(parsed)
    lake = str(given.get("lake_path") or env.get("RETAIL_SAAS_LAKE", "data/lake"))
    fmt = str(given.get("lake_format") or env.get("RETAIL_SAAS_LAKE_FORMAT", "parquet")).strip()
    return Path(lake), fmt


def check(groups: list[list[str]], env: dict[str, str]) -> None:
    """PublishError with the first problem (and how many more) if a file of
    the lake cannot be read; its warnings go to stdout with the progress."""
    from retail_saas.postgres.loader import LakeError, plan_lake

    lake, fmt = lake_of(groups, env)
    try:
        with contextlib.redirect_stderr(sys.stdout):
            plans = plan_lake(lake, fmt if fmt in ("parquet", "csv") else "auto")
    except LakeError as e:
        problems = str(e).splitlines()
        more = f" (and {len(problems) - 1} more: `retail-saas check-lake --lake {lake}` lists them)" if len(problems) > 1 else ""
        raise PublishError(f"lake check: {problems[0]}{more}; nothing built, nothing published") from None
    print(f"==> lake check: {len(plans)} tables, {sum(len(p.files) for p in plans)} {fmt} files readable in {lake}", flush=True)
