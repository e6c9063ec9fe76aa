"""sqlfluff (dbt templater) reports no violation on the project's SQL."""

from __future__ import annotations

import json
import subprocess

from conftest import BIN, REPO, dbt_env


def test_sqlfluff_has_no_violations(tmp_path):
    paths = [p for p in ("models", "analyses", "tests") if (REPO / p).is_dir()]
    proc = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", *paths, "--format", "json", "--nofail"],
        cwd=REPO,
        env=dbt_env(tmp_path),
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    files = json.loads(proc.stdout)
    assert files, "sqlfluff linted no file"
    problems = [
        f"{f['filepath']}:{v.get('start_line_no', '?')}: {v['code']} {v['description']}" for f in files for v in f["violations"]
    ]
    assert not problems, "\n".join(problems[:200])
