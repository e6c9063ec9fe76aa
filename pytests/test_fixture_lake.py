"""The independent oracle: build the dbt project on the hand-made fixture
lake (fixtures/small_lake/lake) and compare every public mart of kpis.md
with its hand-computed expected csv (fixtures/small_lake/expected, worked
out in fixtures/small_lake/WORKINGS.md), row for row.

Expected-csv conventions: an empty field is null; numbers compare with a
tolerance of 1e-9; dates are YYYY-MM-DD, timestamps YYYY-MM-DD HH:MM:SS;
booleans true/false. Extra columns in a mart are allowed (kpis.md welcomes
them); every expected column must exist.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import math
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "fixtures" / "small_lake"
LAKE = FIXTURE / "lake"
EXPECTED = FIXTURE / "expected"
DBT = Path(sys.executable).parent / "dbt"

# mart -> grain columns (kpis.md). Rows are matched on the grain.
MARTS = {
    "daily_stats": ["activity_date", "tenant_id", "team_id", "user_id"],
    "user_stats": ["user_id"],
    "template_usage": ["template_id", "tenant_id", "activity_date"],
    "binding_daily": ["activity_date", "tenant_id", "binding_type", "provider"],
    "inbox_daily": ["activity_date", "tenant_id", "channel"],
    "notification_daily": ["activity_date", "tenant_id", "source", "channel"],
    "ai_daily": ["activity_date", "tenant_id", "feature", "model"],
    "catalog_daily": ["activity_date", "tenant_id"],
    "crm_daily": ["activity_date", "tenant_id"],
    "automation_daily": ["activity_date", "tenant_id", "trigger_type"],
    "contact_grade_history": ["contact_id", "valid_from"],
    "brand_daily": ["activity_date_utc", "brand_id", "tenant_id"],
    "brand_top_assets": ["brand_id", "asset_id"],
    "brand_top_retailers": ["brand_id", "tenant_id"],
    "saas_daily": ["activity_date_utc"],
    "module_activation": ["activity_date_utc", "module"],
    "subscription_renewals": ["due_month", "plan"],
    "activation_funnel": ["signup_month", "step_order"],
}

# fct_events: event_id, module, event_type and details follow the seed's
# envelope naming, which the oracle does not fix; the other columns are
# compared as a multiset (one row per valid log row), event_id must be
# unique and not null.
FCT_EVENTS_COLUMNS = [
    "source_table",
    "tenant_id",
    "brand_id",
    "user_id",
    "occurred_at",
    "activity_date",
]

NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")
TOLERANCE = 1e-9


def norm(value):
    """One canonical form for expected (csv text) and actual (duckdb) values."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    if text == "":
        return None
    if NUMBER.match(text):
        return float(text)
    if text.lower() in ("true", "false"):
        return text.lower()
    if re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$", text):
        return text.replace("T", " ")
    return text


def same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
    return a == b


def sort_key(values):
    return tuple((v is not None, str(v)) for v in values)


def read_expected(name):
    with open(EXPECTED / f"{name}.csv", newline="") as handle:
        reader = csv.DictReader(handle)
        return reader.fieldnames, [{col: norm(val) for col, val in row.items()} for row in reader]


def read_actual(db_path, schema, name):
    con = duckdb.connect(str(db_path), read_only=True)
    try:
        cursor = con.execute(f'select * from "{schema}"."{name}"')
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, map(norm, row))) for row in cursor.fetchall()]
    finally:
        con.close()
    return columns, rows


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One dbt build of the whole project on the fixture lake (DuckDB)."""
    tmp = tmp_path_factory.mktemp("fixture_lake")
    env = dict(os.environ)
    env.update(
        {
            "DBT_PROFILES_DIR": str(REPO),
            "RETAIL_SAAS_TARGET": "duckdb",
            "RETAIL_SAAS_LAKE": str(LAKE.resolve()),
            "RETAIL_SAAS_LAKE_FORMAT": "csv",
            "RETAIL_SAAS_DUCKDB_PATH": str(tmp / "fixture.duckdb"),
        }
    )
    result = subprocess.run(
        [str(DBT), "build", "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
    return {"db": tmp / "fixture.duckdb", "rc": result.returncode, "log": tail}


def relation_or_fail(built, schema, name):
    db = built["db"]
    if not db.exists():
        pytest.fail(f"dbt build produced no database; build output:\n{built['log']}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, name]
        ).fetchone()[0]
    finally:
        con.close()
    if not found:
        pytest.fail(f"{schema}.{name} was not built (dbt exit code {built['rc']}); build output tail:\n{built['log']}")


def fmt(row, columns):
    return "(" + ", ".join(f"{c}={row.get(c)!r}" for c in columns) + ")"


def compare_keyed(name, grain, expected_cols, expected, actual_cols, actual):
    problems = []
    missing_cols = [c for c in expected_cols if c not in actual_cols]
    if missing_cols:
        return [f"{name}: missing columns {missing_cols} (has {actual_cols})"]
    exp = {}
    for row in expected:
        exp[tuple(row[c] for c in grain)] = row
    act, dupes = {}, []
    for row in actual:
        key = tuple(row[c] for c in grain)
        if key in act:
            dupes.append(key)
        act[key] = row
    for key in dupes:
        problems.append(f"DUPLICATE grain {dict(zip(grain, key))}")

    def lookup(table, key):  # float/None-tolerant match of grain keys
        for other, row in table.items():
            if all(same(a, b) for a, b in zip(key, other)):
                return other, row
        return None, None

    matched = set()
    for key in sorted(exp, key=sort_key):
        other, row = lookup(act, key)
        if row is None:
            problems.append(f"MISSING {fmt(exp[key], expected_cols)}")
            continue
        matched.add(other)
        diffs = [f"{c}: expected {exp[key][c]!r}, got {row[c]!r}" for c in expected_cols if not same(exp[key][c], row[c])]
        if diffs:
            problems.append(f"DIFFERENT {dict(zip(grain, key))}: " + "; ".join(diffs))
    for key in sorted(act, key=sort_key):
        if key not in matched:
            problems.append(f"EXTRA {fmt(act[key], expected_cols)}")
    return problems


def compare_multiset(columns, expected, actual):
    exp = Counter(tuple(r[c] for c in columns) for r in expected)
    act = Counter(tuple(r[c] for c in columns) for r in actual)
    problems = []
    for key in sorted(exp - act, key=sort_key):
        problems.append(f"MISSING {dict(zip(columns, key))} x{(exp - act)[key]}")
    for key in sorted(act - exp, key=sort_key):
        problems.append(f"EXTRA {dict(zip(columns, key))} x{(act - exp)[key]}")
    return problems


def report(name, problems):
    if problems:
        shown = "\n  ".join(problems[:60])
        more = f"\n  ... and {len(problems) - 60} more" if len(problems) > 60 else ""
        pytest.fail(f"{name} differs from fixtures/small_lake/expected/{name}.csv (see WORKINGS.md):\n  {shown}{more}")


@pytest.mark.slow
@pytest.mark.parametrize("mart", sorted(MARTS))
def test_mart_matches_hand_computed_rows(built, mart):
    relation_or_fail(built, "marts", mart)
    expected_cols, expected = read_expected(mart)
    assert expected_cols[: len(MARTS[mart])] == MARTS[mart], "expected csv: grain first"
    actual_cols, actual = read_actual(built["db"], "marts", mart)
    report(mart, compare_keyed(mart, MARTS[mart], expected_cols, expected, actual_cols, actual))


@pytest.mark.slow
def test_fct_events_envelope(built):
    relation_or_fail(built, "marts", "fct_events")
    _, expected = read_expected("fct_events")
    actual_cols, actual = read_actual(built["db"], "marts", "fct_events")
    missing = [c for c in ["event_id", "module", "event_type", "details"] + FCT_EVENTS_COLUMNS if c not in actual_cols]
    problems = [f"missing columns {missing}"] if missing else []
    if not missing:
        ids = Counter(r["event_id"] for r in actual)
        problems += [f"event_id null on {ids[None]} rows"] if None in ids else []
        problems += [f"event_id {k!r} appears {n} times" for k, n in ids.items() if k is not None and n > 1]
        problems += compare_multiset(FCT_EVENTS_COLUMNS, expected, actual)
    report("fct_events", problems)


@pytest.mark.slow
def test_quarantine_holds_exactly_the_planted_bad_rows(built):
    relation_or_fail(built, "staging", "stg_quarantined_rows")
    _, expected = read_expected("quarantine")
    _, actual = read_actual(built["db"], "staging", "stg_quarantined_rows")
    actual = [{"source_table": r["source_table"], "row_key": r["row_key"], "reason": r["invalid_reason"]} for r in actual]
    report("quarantine", compare_multiset(["source_table", "row_key", "reason"], expected, actual))


def test_fixture_lake_has_every_contract_table_with_exact_columns():
    """Cheap self-check of the lake (no dbt): 24 tables, header = contract."""
    sys.path.insert(0, str(FIXTURE))
    try:
        from make_lake import COLUMNS
    finally:
        sys.path.pop(0)
    assert len(COLUMNS) == 24
    for table, columns in COLUMNS.items():
        with open(LAKE / table / "data.csv", newline="") as handle:
            header = next(csv.reader(handle))
        assert header == columns.split(), table
