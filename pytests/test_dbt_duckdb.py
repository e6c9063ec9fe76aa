"""`dbt build` on DuckDB over a small generated lake: every model and data
test passes, and every bad row the generator injected is in quarantine with
the reason of its rule (the generator's manifest is an independent count:
it records what it corrupted, the project has to find it)."""

from __future__ import annotations

import json
import re
from collections import Counter

import duckdb
import pytest

from conftest import dbt_env, generate_lake, run_dbt

# Quarantine reason code -> rule number of raw_contract.md "Bad rows".
RULE_OF_REASON = [
    (r"^missing_key$", 1),
    (r"^loaded_at_(missing|after_run_start)$", 11),
    (r"^unreadable_value:", 12),
    (r"^conflicting_copies$", 13),
    (r"^(missing|unknown)_(tenant|brand)$", 2),
    (r"^cross_tenant_(user|team|contact|template)$", 3),
    (r"^cross_tenant_reply$", 4),
    (r"^value_not_in_list:", 5),
    (r"^event_time_(missing|in_future|before_2000)$", 6),
    (r"^negative_value:", 7),
    (r"^end_before_start$", 8),
    (r"^brand_not_carried$", 9),
    (r"^reply_before_message$", 10),
]


def rule_of(reason: str) -> int:
    for pattern, rule in RULE_OF_REASON:
        if re.match(pattern, reason):
            return rule
    raise AssertionError(f"unknown quarantine reason {reason!r}")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    work = tmp_path_factory.mktemp("duckdb_build")
    lake = generate_lake(work / "lake", scale=0.01, seed=11)
    env = dbt_env(work, RETAIL_SAAS_LAKE=str(lake))
    proc = run_dbt(["build"], work, env=env, check=False)
    return work, lake, proc


def test_dbt_build_is_green(built):
    _, _, proc = built
    summary = [line for line in proc.stdout.splitlines() if "Done. PASS=" in line]
    assert proc.returncode == 0, "\n".join(proc.stdout.splitlines()[-80:])
    assert summary and "ERROR=0" in summary[-1]


def test_every_injected_bad_row_is_quarantined_with_its_rule(built):
    work, lake, _ = built
    manifest = json.loads((lake / "_generator_manifest.json").read_text())
    injected = Counter(
        {(table, int(kind)): n for table, kinds in manifest["bad_rows"]["by_kind"].items() for kind, n in kinds.items()}
    )
    con = duckdb.connect(str(work / "dbt.duckdb"), read_only=True)
    rows = con.sql("select source_table, invalid_reason, count(*) from staging.stg_quarantined_rows group by all").fetchall()
    found = Counter()
    for table, reason, n in rows:
        found[(table, rule_of(reason))] += n
    assert {rule for _, rule in injected} == set(range(1, 14)), "the generated lake lacks a bad-row kind"
    assert found == injected
