"""ruff (the rules in pyproject.toml) reports no violation on the Python
code: the same check the pre-commit hook runs before each commit."""

from __future__ import annotations

import subprocess

from conftest import BIN, REPO


def test_ruff_has_no_violations():
    proc = subprocess.run(
        [str(BIN / "ruff"), "check", "--output-format", "concise", "--no-cache",
         "src", "pytests", "scripts"],
        cwd=REPO, capture_output=True, text=True,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def test_pre_commit_runs_ruff_and_sqlfluff():
    import yaml

    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h["entry"] for r in config["repos"] for h in r["hooks"]}
    assert "ruff check" in hooks["ruff"]
    assert "sqlfluff lint" in hooks["sqlfluff"]
