"""Redshift, compiled offline: `dbt parse` and `dbt compile
--no-populate-cache` on a redshift target whose host (redshift.invalid)
does not exist, so any query at compile time fails the test.

What cannot be compiled offline, and is left out here:
- incremental models (config.materialized:incremental) and the data
  tests on them: is_incremental() asks the warehouse whether the table
  exists;
- unit tests: dbt reads their inputs' column types from the warehouse.
The source column probe of the base models is turned off with the var
check_source_columns: false. The row-level security DDL of
macros/access/ (run by the on-run-end hook, which `dbt compile` does not
run) is rendered with `dbt compile --inline`.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from conftest import BIN, REPO

VARS = "{check_source_columns: false}"
PROFILE = """\
retail_saas:
  target: redshift
  outputs:
    redshift:
      type: redshift
      host: redshift.invalid
      port: 5439
      user: dbt
      password: not-a-password
      dbname: retail_saas
      schema: analytics
      threads: 2
      connect_timeout: 5
      retries: 0
"""


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("h_redshift")
    (work / "profiles").mkdir()
    (work / "profiles" / "profiles.yml").write_text(PROFILE)
    return work


def _dbt(work: Path, *args: str, target: str = "target"):
    env = {"DBT_PROFILES_DIR": str(work / "profiles"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [str(BIN / "dbt"), *args, "--vars", VARS, "--target-path", str(work / target), "--log-path", str(work / "logs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, f"dbt {' '.join(args)[:200]} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    return proc


@pytest.fixture(scope="module")
def compiled(work) -> Path:
    _dbt(work, "parse")
    # selectors.yml: everything but the incremental models and unit tests
    _dbt(work, "compile", "--no-populate-cache", "--selector", "redshift_offline")
    return work / "target"


def test_every_other_model_compiles_for_redshift(compiled):
    manifest = json.loads((compiled / "manifest.json").read_text())
    results = json.loads((compiled / "run_results.json").read_text())
    done = {r["unique_id"] for r in results["results"] if r["status"] == "success"}
    models = {u: n for u, n in manifest["nodes"].items() if n["resource_type"] == "model"}
    expected = {u for u, n in models.items() if n["config"]["materialized"] != "incremental"}
    assert expected and expected <= done, sorted(expected - done)[:20]
    # the dispatched macros took their redshift__ branch
    sql = (compiled / "compiled" / "retail_saas" / "models" / "marts" / "inbox" / "fct_messages.sql").read_text()
    assert "convert_timezone(" in sql
    assert manifest["metadata"]["adapter_type"] == "redshift"


def test_dist_and_sort_keys_name_real_columns(compiled):
    manifest = json.loads((compiled / "manifest.json").read_text())
    keyed = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "model" and n["config"].get("dist")}
    assert {"fct_events", "fct_messages", "inbox_daily"} <= set(keyed)
    for name, node in keyed.items():
        sort = node["config"].get("sort") or []
        sort = [sort] if isinstance(sort, str) else sort
        for column in [node["config"]["dist"], *sort]:
            assert column in node["columns"], f"{name}: no column {column}"


def test_access_policies_render_for_redshift(work):
    inline = "{% for s in access_redshift_statements(access_marts()) %}{{ s }};\n{% endfor %}"
    proc = _dbt(work, "compile", "--no-populate-cache", "--inline", inline, target="target_access")
    ddl = proc.stdout
    assert re.search(r"create rls policy access_tenant_id\b", ddl), ddl[-3000:]
    assert "attach rls policy" in ddl
    assert "row level security on" in ddl
    assert "marts.fct_messages" in ddl
