"""ruff (the rules in pyproject.toml) reports no violation on the Python
code: the same check the pre-commit hook runs before each commit."""

from __future__ import annotations

import os
import re
import subprocess

from conftest import BIN, REPO


def _tracked_python() -> list[str]:
    """Every tracked Python file by name: ruff's own walk skips what
    .gitignore names (src/retail_saas/reports/ is tracked under an ignored name)."""
    return subprocess.run(["git", "ls-files", "*.py"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()


def test_ruff_has_no_violations():
    proc = subprocess.run(
        [str(BIN / "ruff"), "check", "--output-format", "concise", "--no-cache", *_tracked_python()],
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def test_python_is_formatted():
    """`ruff format --check`: the layout is the formatter's, so reviews read
    changes, not whitespace (the pre-commit hook runs the same check)."""
    proc = subprocess.run(
        [str(BIN / "ruff"), "format", "--check", "--no-cache", *_tracked_python()], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]


def test_pre_commit_runs_ruff_and_sqlfluff():
    import yaml

    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hooks = {h["id"]: h["entry"] for r in config["repos"] for h in r["hooks"]}
    assert "ruff check" in hooks["ruff"]
    assert "ruff format --check" in hooks["ruff-format"]
    assert "sqlfluff lint" in hooks["sqlfluff"]
    assert "scripts/check_yaml.py" in hooks["check-yaml"]


def test_pre_commit_runs_every_hook_offline(tmp_path):
    """`pre-commit run --all-files` passes with local hooks only (its home in
    tmp_path, so nothing cached is reused); sqlfluff is skipped here because
    pytests/test_sqlfluff.py runs the same lint on the same files."""
    env = dict(os.environ, PRE_COMMIT_HOME=str(tmp_path / "home"), SKIP="sqlfluff")
    proc = subprocess.run([str(BIN / "pre-commit"), "run", "--all-files"], cwd=REPO, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    for hook in ("ruff (Python lint)", "ruff (Python format)", "YAML parses, no duplicate keys"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", proc.stdout, re.M), proc.stdout
    # local hooks only: pre-commit cloned no hook repository
    assert not list((tmp_path / "home").glob("repo*"))


def test_yaml_check_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("models:\n  - name: a\n    columns: []\n    columns: [x]\n")
    broken = tmp_path / "broken.yml"
    broken.write_text("a: [1\n")
    proc = subprocess.run(
        [str(BIN / "python"), "scripts/check_yaml.py", str(bad), str(broken)], cwd=REPO, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert f"{bad}:4: duplicate key 'columns' (first on line 3)" in proc.stdout
    assert f"{broken}:2:" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr
