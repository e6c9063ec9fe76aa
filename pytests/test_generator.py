"""Tests of the synthetic lake generator (`retail-saas generate`).

Checks run against the parquet files with DuckDB, independently of the
generator's own bookkeeping.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from retail_saas.cli import main as cli_main
from retail_saas.generator import GenConfig, generate
from retail_saas.generator.corruption import FLOAT_COLUMNS
from retail_saas.generator.writer import MANIFEST

SEED = 7

# The contract's tables and columns, written out here (not imported from the
# generator) so the test checks the generator against the contract.
CONTRACT = {
    "brands": "brand_id name created_at",
    "tenants": "tenant_id name timezone country plan created_at",
    "brand_retailers": "brand_id tenant_id authorized_at",
    "teams": "team_id tenant_id name created_at",
    "user_profile": "user_id tenant_id team_id role email phone created_at deleted_at",
    "templates": "template_id tenant_id brand_id owner_user_id team_id scope language format created_at deleted_at",
    "contacts": "contact_id tenant_id email phone grade source created_at updated_at",
    "sla_policies": "tenant_id channel first_reply_target_minutes",
    "account_binding_log": "attempt_id tenant_id user_id binding_type provider status error_code event_time",
    "raw_message": "message_id tenant_id conversation_id contact_id user_id channel direction in_reply_to "
    "is_automated template_id ai_generation_id catalog_product_count event_time",
    "notification_log": "event_id notification_id tenant_id user_id brand_id source channel status event_time",
    "ai_assist_log": "event_id generation_id tenant_id user_id action feature macro_id template_id model "
    "prompt_tokens completion_tokens event_time",
    "template_log": "event_id tenant_id user_id template_id action event_time",
    "product_log": "event_id tenant_id product_id action source_platform event_time",
    "sync_log": "sync_id tenant_id platform started_at finished_at status items_synced error_code",
    "media_log": "event_id tenant_id image_id content_type bytes event_time",
    "cdn_log": "log_date tenant_id distribution requests bytes_served",
    "contact_log": "event_id tenant_id contact_id user_id action source segment_id old_grade new_grade event_time",
    "import_log": "import_batch_id tenant_id source rows_received rows_imported rows_rejected started_at finished_at",
    "automation_log": "event_id tenant_id automation_id trigger_type contact_id channel status event_time",
    "asset_log": "event_id brand_id asset_id asset_type tenant_id user_id action bytes event_time",
    "campaign_log": "event_id brand_id campaign_id tenant_id user_id action recipients_count event_time",
    "user_log": "event_id tenant_id user_id action module event_time",
    "subscription_log": "event_id tenant_id subscription_id action plan period_start period_end amount_cents currency event_time",
}
INT_COLS = {
    "catalog_product_count",
    "prompt_tokens",
    "completion_tokens",
    "items_synced",
    "bytes",
    "requests",
    "bytes_served",
    "rows_received",
    "rows_imported",
    "rows_rejected",
    "recipients_count",
    "amount_cents",
    "first_reply_target_minutes",
}
KEYS = {"account_binding_log": "attempt_id", "raw_message": "message_id", "sync_log": "sync_id", "import_log": "import_batch_id"}
TIME_COL = {"sync_log": "started_at", "import_log": "started_at"}
EVENT_LOGS = [t for t in CONTRACT if t.endswith("_log") or t == "raw_message"]


def expected_type(col: str) -> pa.DataType:
    if col.endswith("_at") or col in ("event_time", "period_start", "period_end"):
        return pa.timestamp("us")
    if col == "log_date":
        return pa.date32()
    if col in INT_COLS:
        return pa.int64()
    if col == "is_automated":
        return pa.bool_()
    return pa.string()


@pytest.fixture(scope="module")
def lake(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("lake")
    assert cli_main(["generate", "--scale", "0.01", "--seed", str(SEED), "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def db(lake):
    con = duckdb.connect()
    for table in CONTRACT:
        con.execute(f"create view {table} as select * from read_parquet('{lake}/{table}/*.parquet')")
    yield con
    con.close()


def count(db, sql: str) -> int:
    return db.execute(f"select count(*) from ({sql})").fetchone()[0]


def file_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ layout


def test_every_table_and_column_with_contract_types(lake):
    for table, cols in CONTRACT.items():
        files = sorted((lake / table).glob("part-*.parquet"))
        assert files, f"{table}: no parquet files"
        schema = pq.read_schema(files[0])
        expected = cols.split() + ["_loaded_at"]
        assert schema.names == expected, table
        for col in expected:
            want = pa.timestamp("us") if col == "_loaded_at" else expected_type(col)
            if col in FLOAT_COLUMNS.get(table, ()):  # rule 12 injections: NaN / infinity
                want = pa.float64()
            assert schema.field(col).type == want, f"{table}.{col}: {schema.field(col).type} != {want}"


def test_big_tables_are_split_into_several_files(lake):
    for table in ("raw_message", "notification_log", "user_log"):
        assert len(list((lake / table).glob("part-*.parquet"))) >= 5


def test_manifest_is_outside_table_folders(lake):
    manifest = json.loads((lake / "_generator_manifest.json").read_text())
    assert manifest["seed"] == SEED and manifest["scale"] == 0.01
    assert set(manifest["rows"]) == set(CONTRACT)
    assert sorted(p.name for p in lake.iterdir() if p.is_dir()) == sorted(CONTRACT)
    assert 0.003 < manifest["bad_rows"]["total"] / manifest["total_rows"] < 0.03


# ------------------------------------------------------------------ determinism and scale


def test_same_seed_same_bytes_other_seed_other_data(lake, tmp_path):
    again = tmp_path / "again"
    generate(again, GenConfig(scale=0.01, seed=SEED), log=None)
    assert file_bytes(again) == file_bytes(lake)
    generate(again, GenConfig(scale=0.01, seed=SEED), log=None)  # idempotent re-run over the same folder
    assert file_bytes(again) == file_bytes(lake)
    other = tmp_path / "other"
    generate(other, GenConfig(scale=0.01, seed=SEED + 1), log=None)
    assert file_bytes(other)["raw_message/part-000.parquet"] != file_bytes(lake)["raw_message/part-000.parquet"]


def test_rows_scale_roughly_proportionally(lake, tmp_path):
    small = json.loads((lake / "_generator_manifest.json").read_text())["total_rows"]
    big = generate(tmp_path / "big", GenConfig(scale=0.02, seed=SEED), log=None)["total_rows"]
    assert 7_000 < small < 14_000
    assert 1.6 < big / small < 2.4


def _per_day(lake: Path, days: int) -> dict[str, float]:
    """Event-log rows per day of the window, rows landed per day in its last
    14 days (all tables), and the snapshot tables' rows, read from the files."""
    con = duckdb.connect()
    start = json.loads((lake / MANIFEST).read_text())["start"]

    def rows(table: str, where: str = "true") -> int:
        return con.execute(f"select count(*) from read_parquet('{lake}/{table}/*.parquet') where {where}").fetchone()[0]

    last = (
        f"_loaded_at >= timestamp '{start}' + interval {days - 14} day and _loaded_at < timestamp '{start}' + interval {days} day"
    )
    return {
        "events": sum(rows(t) for t in EVENT_LOGS) / days,
        "landed": sum(rows(t, last) for t in CONTRACT) / 14,
        "snapshots": sum(rows(t) for t in CONTRACT if t not in EVENT_LOGS),
    }


def test_twice_the_days_same_daily_volume(tmp_path):
    """`--days` (the benchmark's 90 and 180 days) lengthens the history at the
    same daily volume: a day's arrivals do not depend on the history."""
    got = {}
    for days in (30, 60):
        out = tmp_path / f"d{days}"
        assert cli_main(["generate", "--scale", "0.01", "--seed", str(SEED), "--days", str(days), "--out", str(out)]) == 0
        assert json.loads((out / MANIFEST).read_text())["days"] == days
        got[days] = _per_day(out, days)
    short, long = got[30], got[60]
    assert short["events"] > 50
    assert abs(long["events"] / short["events"] - 1) < 0.05
    assert abs(long["landed"] / short["landed"] - 1) < 0.2
    assert long["snapshots"] == short["snapshots"]


# ------------------------------------------------------------------ arrivals


def test_redeliveries_have_later_loaded_at_and_some_changed_content(db, lake):
    bad = json.loads((lake / MANIFEST).read_text())["bad_rows"]["by_kind"]
    dup = (
        "select message_id, count(*) n, count(distinct _loaded_at) nl from raw_message "
        "where trim(message_id) <> '' group by 1 having count(*) > 1"
    )
    assert count(db, dup) > 0
    assert count(db, dup + " and count(distinct _loaded_at) < count(*)") == 0
    changed = (
        "select message_id from raw_message where trim(message_id) <> '' group by 1 "
        "having count(distinct catalog_product_count) > 1"
    )
    assert count(db, changed) > 0
    identical = (
        "select message_id from raw_message where trim(message_id) <> '' group by 1 "
        "having count(*) > 1 and count(distinct catalog_product_count) = 1"
    )
    assert count(db, identical) > 0
    for table in CONTRACT:  # never one key twice with the same _loaded_at
        key = {
            "brand_retailers": "brand_id, tenant_id",
            "sla_policies": "tenant_id, channel",
            "cdn_log": "log_date, tenant_id, distribution",
        }.get(table, CONTRACT[table].split()[0])
        sql = (
            f"select {key}, _loaded_at from {table} where coalesce(trim({key.split(',')[0]}::varchar), '') <> '' "
            f"group by all having count(*) > 1"
        )
        # except the injected rule-13 pairs (two differing copies each)
        assert count(db, sql) == bad.get(table, {}).get("13", 0) // 2, table


def test_late_arrivals_stay_within_72_hours(db):
    late_total = 0
    for table in EVENT_LOGS:
        if table == "cdn_log":
            continue
        t = TIME_COL.get(table, "event_time")
        # rows bad under rule 11 (_loaded_at 9999) or the 2000 time bound are not held to it
        assert (
            count(
                db,
                f"select * from {table} where _loaded_at > {t} + interval 72 hour "
                f"and {t} >= '2000-01-01' and _loaded_at < '9000-01-01'",
            )
            == 0
        ), table
        late_total += count(db, f"select * from {table} where _loaded_at > {t} + interval 1 hour")
    assert late_total > 50


# ------------------------------------------------------------------ bad rows, kinds 1-10


BAD_ROW_QUERIES = {
    "1 null key": "select * from raw_message where message_id is null",
    "1 blank key": "select * from raw_message where trim(message_id) = ''",
    "1 null key in an app table": "select * from user_profile where user_id is null",
    "2 null tenant": "select * from raw_message where tenant_id is null",
    "2 unknown tenant": "select * from raw_message where tenant_id not in (select tenant_id from tenants)",
    "2 unknown user tenant": "select * from user_profile where tenant_id not in (select tenant_id from tenants)",
    "2 null brand": "select * from asset_log where brand_id is null",
    "2 unknown brand": "select * from asset_log where brand_id not in (select brand_id from brands where brand_id is not null)",
    "3 user of another tenant": "select * from raw_message m join user_profile u using (user_id) where m.tenant_id <> u.tenant_id",
    "3 contact of another tenant": "select * from contact_log l join contacts c using (contact_id) "
    "where l.tenant_id <> c.tenant_id",
    "3 template of another tenant": "select * from template_log l join templates t using (template_id) "
    "where t.tenant_id is not null and l.tenant_id <> t.tenant_id",
    "3 team of another tenant": "select * from user_profile u join teams t using (team_id) where u.tenant_id <> t.tenant_id",
    "4 reply to another tenant": "select * from raw_message r join raw_message m on r.in_reply_to = m.message_id "
    "where r.tenant_id <> m.tenant_id",
    "5 SMS": "select * from raw_message where channel = 'SMS'",
    "5 gold with a space": "select * from contacts where grade = 'gold '",
    "5 unknown status": "select * from sync_log where status not in ('success', 'partial', 'failure', 'running')",
    "5 template scope": "select * from templates where scope not in ('personal', 'team', 'brand')",
    "6 null event_time": "select * from raw_message where event_time is null",
    "6 future event_time": "select * from user_log where event_time > _loaded_at + interval 1 day",
    "7 negative count": "select * from raw_message where catalog_product_count < 0",
    "7 negative tokens": "select * from ai_assist_log where prompt_tokens < 0",
    "7 negative bytes": "select * from cdn_log where bytes_served < 0",
    "8 finished before started": "select * from sync_log where finished_at < started_at",
    "8 period_end before period_start": "select * from subscription_log where period_end < period_start",
    "9 brand not carried": "select * from asset_log a where tenant_id in (select tenant_id from tenants) "
    "and brand_id in (select brand_id from brands) and not exists (select 1 from "
    "brand_retailers b where b.brand_id = a.brand_id and b.tenant_id = a.tenant_id)",
    "9 brand campaign not carried": "select * from campaign_log a where tenant_id is not null and not exists "
    "(select 1 from brand_retailers b where b.brand_id = a.brand_id "
    "and b.tenant_id = a.tenant_id)",
    "10 reply before its message": "select * from raw_message r join raw_message m on r.in_reply_to = m.message_id "
    "where r.tenant_id = m.tenant_id and r.event_time < m.event_time",
}


@pytest.mark.parametrize("name", BAD_ROW_QUERIES)
def test_every_bad_row_kind_is_present(db, name):
    assert count(db, BAD_ROW_QUERIES[name]) > 0, name


def test_brand_side_publish_rows_have_no_tenant(db):
    assert count(db, "select * from asset_log where action = 'publish'") > 0
    assert count(db, "select * from asset_log where action = 'publish' and tenant_id is not null") == 0
    assert count(db, "select * from templates where scope = 'brand' and tenant_id is null") > 0


# ------------------------------------------------------------------ realism


def test_realistic_shapes(db):
    zones = {r[0] for r in db.execute("select distinct timezone from tenants").fetchall()}
    assert {
        "Asia/Kolkata",
        "Australia/Adelaide",
        "America/St_Johns",
        "Asia/Kathmandu",
        "Australia/Sydney",
        "America/Santiago",
        "Pacific/Auckland",
    } <= zones
    # Renewals continue the previous period.
    assert (
        count(
            db,
            "select * from subscription_log a join subscription_log b using (subscription_id) "
            "where a.action = 'renewed' and b.action <> 'trial_started' "
            "and a.period_start = b.period_end",
        )
        > 0
    )
    assert count(db, "select * from sync_log where status = 'running' and finished_at is null") > 0
    assert count(db, "select * from import_log where rows_received <> rows_imported + rows_rejected and rows_rejected >= 0") == 0
    assert count(db, "select * from raw_message where is_automated and in_reply_to is not null") > 0
    assert count(db, "select * from user_log where action = 'module_deactivated'") > 0
    funnel = db.execute(
        "select count(*) filter (where action = 'generate'), count(*) filter (where action = 'send') from ai_assist_log"
    ).fetchone()
    assert funnel[0] > funnel[1] > 0
