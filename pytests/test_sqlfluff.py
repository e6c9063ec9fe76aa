"""sqlfluff (dbt templater) reports no violation on the project's SQL.

The staging models read the lake's columns while they compile (a missing
column is a clear error), so the templater is given the committed fixture
lake: without one it could not render them and would lint none of them."""

from __future__ import annotations

import json
import subprocess

from conftest import BIN, REPO, dbt_env

FIXTURE_LAKE = REPO / "fixtures" / "small_lake" / "lake"


def test_sqlfluff_has_no_violations(tmp_path):
    paths = [p for p in ("models", "analyses", "tests") if (REPO / p).is_dir()]
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", *paths, "--format", "json", "--nofail"],
        cwd=REPO,
        env=dbt_env(tmp_path, RETAIL_SAAS_LAKE=str(FIXTURE_LAKE), RETAIL_SAAS_LAKE_FORMAT="csv"),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = json.loads(proc.stdout)
    assert files, "sqlfluff linted no file"
    # a file the templater could not render (or skipped) is listed with no
    # violation and nothing parsed: it was not linted (generic tests are
    # macros: nothing to render on their own)
    unlinted = [
        f["filepath"]
        for f in files
        if not f.get("statistics", {}).get("segments") and not f["filepath"].startswith("tests/generic/")
    ]
    assert not unlinted, f"sqlfluff could not lint {len(unlinted)} files, e.g. {unlinted[:3]}"
    problems = [
        f"{f['filepath']}:{v.get('start_line_no', '?')}: {v['code']} {v['description']}" for f in files for v in f["violations"]
    ]
    assert not problems, "\n".join(problems[:200])
