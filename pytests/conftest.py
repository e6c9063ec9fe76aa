"""Shared helpers for the test suite: where things are, and how to run dbt
and the generator in an isolated place (own DuckDB file, target and logs)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The `pg_env` fixture (a private PostgreSQL server) for every test module.
pytest_plugins = ["pg_server"]

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def start_full_rebuild(select: list[str], work: Path, env: dict[str, str]) -> subprocess.Popen:
    """A background `dbt build --full-refresh` of the selected seeds and
    models (one thread) in `work`: the reference the incremental runs are
    compared with, built while they run."""
    cmd = [str(BIN / "dbt"), "build", "-s", *select, "--resource-type", "seed", "--resource-type", "model"]
    cmd += ["--full-refresh", "--threads", "1", "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def dbt_env(work: Path, **extra: str) -> dict[str, str]:
    """Environment for a dbt run whose database lives in `work`."""
    env = dict(os.environ)
    env.update(
        DBT_PROFILES_DIR=str(REPO),
        RETAIL_SAAS_TARGET="duckdb",
        RETAIL_SAAS_DUCKDB_PATH=str(work / "dbt.duckdb"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    env.update(extra)
    return env


def run_dbt(args: list[str], work: Path, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run dbt from the repo root with target/ and logs/ kept in `work`."""
    cmd = [str(BIN / "dbt"), *args, "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    proc = subprocess.run(cmd, cwd=REPO, env=env or dbt_env(work), capture_output=True, text=True)
    if check and proc.returncode != 0:
        tail = "\n".join(proc.stdout.splitlines()[-60:])
        pytest.fail(f"dbt {' '.join(args)} failed:\n{tail}\n{proc.stderr[-2000:]}")
    return proc


def generate_lake(out: Path, scale: float = 0.01, seed: int = 7) -> Path:
    """Write a generated lake to `out` and return it."""
    subprocess.run(
        [str(BIN / "retail-saas"), "generate", "--scale", str(scale), "--seed", str(seed), "--out", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    return out
