"""The lake's columns against the contract: a missing column fails the
build with an error naming the table and the column; an extra column is
ignored. Runs on a copy of the hand-made CSV fixture lake."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from conftest import REPO, dbt_env, run_dbt

FIXTURE_LAKE = REPO / "fixtures" / "small_lake" / "lake"


def rewrite_csv(path: Path, drop: str | None = None, add: str | None = None):
    """Drop a column from, or add a constant column to, a CSV file."""
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
        header = list(rows[0].keys()) if rows else []
    if drop:
        header.remove(drop)
    if add:
        header.append(add)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({**row, **({add: "surplus"} if add else {})})


@pytest.fixture()
def lake_copy(tmp_path):
    lake = tmp_path / "lake"
    shutil.copytree(FIXTURE_LAKE, lake)
    return lake


def build_base(tmp_path, lake, model):
    env = dbt_env(tmp_path, RETAIL_SAAS_LAKE=str(lake), RETAIL_SAAS_LAKE_FORMAT="csv")
    return run_dbt(["run", "-s", model], tmp_path, env=env, check=False)


def test_missing_column_fails_naming_table_and_column(tmp_path, lake_copy):
    rewrite_csv(lake_copy / "media_log" / "data.csv", drop="bytes")
    proc = build_base(tmp_path, lake_copy, "base_events__media_uploads")
    assert proc.returncode != 0
    out = proc.stdout + proc.stderr
    assert "media_log" in out and "bytes" in out, out[-3000:]
    assert "missing" in out


def test_extra_column_is_ignored(tmp_path, lake_copy):
    rewrite_csv(lake_copy / "media_log" / "data.csv", add="upstream_debug")
    proc = build_base(tmp_path, lake_copy, "base_events__media_uploads")
    assert proc.returncode == 0, proc.stdout[-3000:]
