"""The lake as daily arrivals, for incremental loads and their tests.

A generated lake holds every copy of every row with its `_loaded_at`. Day k
of the lake (k = 1 .. days) is what landed in [start + k - 1, start + k).

- `lake_as_of(lake, out, day)`: the lake as it stood at the end of day
  `day` (rows with `_loaded_at < start + day`), late rows and redeliveries
  included: replaying k = 1 .. days replays history.
- `write_batches(lake, batches_dir)`: one folder per day of arrivals,
  `<dir>/day-NNN/<table>/part-000.parquet` (`retail-saas generate
  --batches-dir DIR`).
- `hold_back_late(lake, out, day, ...)` and `redelivery_storm(lake, out,
  day, ...)`: scenario lakes for the equality tests: a batch whose rows are
  up to 3 days late, and a batch of redeliveries with changed content
  (moved event times, values outside their lists), both within the raw
  contract (every copy lands within 72 h of its event time; a later copy
  has a strictly later `_loaded_at`).
- `snapshot_changes(lake, out, day)`: app snapshot changes landing on day
  `day` that reach old events: a user moving team, a team moving tenant,
  a template deleted, a tenant changing timezone (new copies), and a
  `brand_retailers` row no longer delivered from that day on (listed in
  the lake manifest's `removed`, which `lake_as_of` applies).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .schema import LOADED_AT, TABLES
from .writer import MANIFEST

US_PER_DAY = 86_400_000_000
HOUR_US = 3_600_000_000


def lake_start(lake: Path) -> dt.datetime:
    """The lake's first UTC day (from the generator manifest)."""
    manifest = json.loads((Path(lake) / MANIFEST).read_text())
    return dt.datetime.fromisoformat(manifest["start"])


def lake_days(lake: Path) -> int:
    return int(json.loads((Path(lake) / MANIFEST).read_text())["days"])


def read_table(lake: Path, name: str) -> pa.Table:
    files = sorted((Path(lake) / name).glob("*.parquet"))
    if not files:
        return TABLES[name].arrow_schema().empty_table()
    return pa.concat_tables([pq.read_table(f) for f in files])


def _us(table: pa.Table, column: str) -> np.ndarray:
    """A timestamp column as int64 microseconds (nulls -> min int64)."""
    col = pc.cast(table[column], pa.timestamp("us")).cast(pa.int64())
    return col.fill_null(np.iinfo(np.int64).min).to_numpy(zero_copy_only=False)


def _cut(start: dt.datetime, day: float) -> pa.Scalar:
    return pa.scalar(start + dt.timedelta(days=day), pa.timestamp("us"))


def _write(out: Path, tables: dict[str, pa.Table], manifest: dict) -> Path:
    out = Path(out)
    for name, table in tables.items():
        folder = out / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        pq.write_table(table, folder / "part-000.parquet")
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return out


def _manifest(lake: Path) -> dict:
    return json.loads((Path(lake) / MANIFEST).read_text())


def lake_as_of(lake: Path, out: Path, day: int) -> Path:
    """Write the lake as of the end of day `day` (1-based) into `out`."""
    start, cut = lake_start(lake), None
    cut = _cut(start, day)
    manifest = _manifest(lake)
    tables = {}
    for name in TABLES:
        table = read_table(lake, name)
        table = table.filter(pc.less(table[LOADED_AT], cut))
        for removal in manifest.get("removed", []):  # snapshot rows no longer delivered
            if removal["table"] == name and day >= removal["day"]:
                keys, _ = _keys(table, TABLES[name].key)
                table = table.filter(pa.array([list(k) != removal["key"] for k in keys], pa.bool_()))
        tables[name] = table
    manifest = dict(manifest, as_of_day=day)
    return _write(out, tables, manifest)


def write_batches(lake: Path, batches_dir: Path) -> list[Path]:
    """One folder of arrivals per day: `<dir>/day-NNN/<table>/`."""
    start, days = lake_start(lake), lake_days(lake)
    full = {name: read_table(lake, name) for name in TABLES}
    written = []
    for day in range(1, days + 1):
        lo, hi = _cut(start, day - 1), _cut(start, day)
        if day == 1:  # snapshots exported at the window start land on day 1
            lo = pa.scalar(dt.datetime(1970, 1, 1), pa.timestamp("us"))
        tables = {
            name: t.filter(pc.and_(pc.greater_equal(t[LOADED_AT], lo), pc.less(t[LOADED_AT], hi))) for name, t in full.items()
        }
        written.append(_write(Path(batches_dir) / f"day-{day:03d}", tables, dict(_manifest(lake), batch_day=day)))
    return written


def _keys(table: pa.Table, key: tuple[str, ...]) -> tuple[list[tuple], np.ndarray]:
    """Each row's key as a tuple, and whether every part is present."""
    keys = list(zip(*(table[c].to_pylist() for c in key)))
    present = np.array([all(v is not None and str(v).strip() != "" for v in k) for k in keys], dtype=bool)
    return keys, present


def _single_copy(table: pa.Table, key: tuple[str, ...]) -> np.ndarray:
    """True for rows whose key (all parts present) arrived exactly once."""
    keys, present = _keys(table, key)
    seen = Counter(keys)
    return present & np.array([seen[k] == 1 for k in keys], dtype=bool)


def hold_back_late(lake: Path, out: Path, day: int, share: float = 0.3, seed: int = 1) -> Path:
    """Make day `day` a batch of late rows: a share of the single-copy event
    rows that happened in the three days before and had landed already is
    held back and lands at the end of day `day`, up to 72 h after its event
    time (never later: the contract's bound)."""
    rng = np.random.default_rng(seed)
    start = lake_start(lake)
    day_end = int((start - dt.datetime(1970, 1, 1)).total_seconds() * 1e6) + day * US_PER_DAY - 1_000_000
    tables = {}
    for name, spec in TABLES.items():
        table = read_table(lake, name)
        if spec.source != "events" or not spec.time_col or table.num_rows == 0:
            tables[name] = table
            continue
        t, loaded = _us(table, spec.time_col), _us(table, LOADED_AT)
        new_loaded = np.minimum(day_end - rng.integers(0, HOUR_US, table.num_rows), t + 72 * HOUR_US - 1_000_000)
        pick = (
            _single_copy(table, spec.key)
            & (t > day_end - 72 * HOUR_US)
            & (loaded < day_end - US_PER_DAY)
            & (new_loaded > loaded)
            & (rng.random(table.num_rows) < share)
        )
        loaded = np.where(pick, new_loaded, loaded)
        table = table.set_column(
            table.schema.get_field_index(LOADED_AT),
            LOADED_AT,
            pa.array(loaded, pa.int64(), mask=loaded == np.iinfo(np.int64).min).cast(pa.timestamp("us")),
        )  # a null _loaded_at (rule 11) stays null
        tables[name] = table
    return _write(out, tables, dict(_manifest(lake), late_batch_day=day))


# The column a storm copy corrupts (a value outside its list, or negative).
_BREAK = {
    "raw_message": ("channel", "SMS"),
    "media_log": ("bytes", -1),
    "cdn_log": ("requests", -1),
    "import_log": ("rows_received", -1),
    "subscription_log": ("amount_cents", -1),
}


def redelivery_storm(lake: Path, out: Path, day: int, share: float = 0.2, seed: int = 2) -> Path:
    """Add, on day `day`, a later copy of a share of the keys that had
    landed before: a third of the copies move their event time (up to
    about a day earlier or 12 h later, crossing day boundaries), a third
    break a value (quarantined: the key leaves the marts), a third are
    identical. Copies land within 72 h of their (new) event time."""
    rng = np.random.default_rng(seed)
    epoch_start = int((lake_start(lake) - dt.datetime(1970, 1, 1)).total_seconds() * 1e6)
    lo = epoch_start + (day - 1) * US_PER_DAY
    tables = {}
    for name, spec in TABLES.items():
        table = read_table(lake, name)
        if spec.source != "events" or table.num_rows == 0:
            tables[name] = table
            continue
        loaded = _us(table, LOADED_AT)
        keys, present = _keys(table, spec.key)
        newest: dict[tuple, int] = {}
        for k, at in zip(keys, loaded.tolist()):
            newest[k] = max(newest.get(k, at), at)
        # keys whose every copy landed before the day
        latest = np.array([newest[k] for k in keys], dtype=np.int64)
        is_latest = loaded == latest
        n = table.num_rows
        new_loaded = lo + rng.integers(0, US_PER_DAY - 1_000_000, n)
        if spec.time_col:
            t = _us(table, spec.time_col)
            has_t = t != np.iinfo(np.int64).min
            shift = rng.integers(-26 * HOUR_US, 12 * HOUR_US, n)
            new_t = np.where(has_t, t + shift, t)
            # within 72 h of the new copy's landing, never more than 1 h ahead
            new_t = np.where(has_t, np.clip(new_t, new_loaded - 71 * HOUR_US, new_loaded - HOUR_US), t)
            ok_time = ~has_t | (new_loaded - t < 72 * HOUR_US)
        else:
            t = new_t = None
            ok_time = np.ones(n, dtype=bool)
        pick = np.flatnonzero(present & is_latest & (latest < lo) & ok_time & (rng.random(n) < share))
        if not len(pick):
            tables[name] = table
            continue
        copies = table.take(pa.array(pick))
        kind = rng.integers(0, 3, len(pick))  # 0 moved, 1 broken, 2 identical
        if spec.time_col:
            moved = np.where(kind == 0, new_t[pick], t[pick])
            moved_arr = pa.array(moved, pa.int64(), mask=moved == np.iinfo(np.int64).min)
            idx = copies.schema.get_field_index(spec.time_col)
            copies = copies.set_column(idx, spec.time_col, moved_arr.cast(copies.schema.field(idx).type))
        column, value = _BREAK.get(name, ("status" if "status" in table.column_names else "action", "BROKEN"))
        if column in table.column_names:
            idx = copies.schema.get_field_index(column)
            field = copies.schema.field(idx)
            broken = pa.array([value] * len(pick), field.type)
            copies = copies.set_column(idx, column, pc.if_else(pa.array(kind == 1), broken, copies[column]))
        idx = copies.schema.get_field_index(LOADED_AT)
        copies = copies.set_column(idx, LOADED_AT, pa.array(new_loaded[pick], pa.int64()).cast(pa.timestamp("us")))
        tables[name] = pa.concat_tables([table, copies.cast(table.schema)])
    return _write(out, tables, dict(_manifest(lake), storm_day=day))


def _latest(table: pa.Table, key: tuple[str, ...]) -> dict[tuple, dict]:
    """The latest copy of each key (all parts present), as a row dict."""
    rows: dict[tuple, dict] = {}
    keys, present = _keys(table, key)
    for k, ok, row in zip(keys, present, table.to_pylist()):
        if ok and (k not in rows or row[LOADED_AT] > rows[k][LOADED_AT]):
            rows[k] = row
    return rows


def _refs(tables: dict[str, pa.Table], logs: tuple[str, ...], columns: tuple[str, ...]) -> Counter:
    """How many rows of `logs` carry each value tuple of `columns`."""
    seen: Counter = Counter()
    for name in logs:
        table = tables[name]
        if all(c in table.column_names for c in columns):
            seen.update(k for k in zip(*(table[c].to_pylist() for c in columns)) if all(v is not None for v in k))
    return seen


def snapshot_changes(lake: Path, out: Path, day: int) -> Path:
    """Snapshot changes landing at noon of day `day`, each chosen so that it
    reaches events that landed before: a user (referenced by contact_log)
    moves to another team of its tenant; a team moves tenant whose user an
    early contact_log row of ANOTHER tenant names (that row's user_id is
    set so: quarantined as cross-tenant until the team moves, then the
    user turns invalid, found nowhere, and the row valid); a template referenced
    by template events is deleted (deleted_at set); the tenant with the
    most contact_log rows changes timezone (its rows move local day); the
    brand_retailers row carrying the most brand events stops being
    delivered. The changes are listed in the manifest (`snapshot_changes`)."""
    start = lake_start(lake)
    at = start + dt.timedelta(days=day - 1, hours=12)
    tables = {name: read_table(lake, name) for name in TABLES}
    latest = {name: _latest(tables[name], TABLES[name].key) for name in TABLES if TABLES[name].source == "app"}
    users, teams, tenants = latest["user_profile"], latest["teams"], latest["tenants"]
    contact_rows = tables["contact_log"].select(["tenant_id", "user_id"]).to_pylist()
    changes: dict[str, list[dict]] = {name: [] for name in latest}
    done: dict[str, object] = {}

    # a team moving tenant, whose user a contact_log row of ANOTHER tenant
    # names (that row, landed early, is made cross-tenant here)
    log = tables["contact_log"]
    loaded = _us(log, LOADED_AT)
    early = int((start + dt.timedelta(days=day // 2) - dt.datetime(1970, 1, 1)).total_seconds() * 1e6)
    row_at = int(np.flatnonzero(_single_copy(log, TABLES["contact_log"].key) & (loaded < early))[0])
    row_tenant = log["tenant_id"][row_at].as_py()
    user = next(u for (_, u) in sorted(users.items()) if u["tenant_id"] != row_tenant and (u["team_id"],) in teams)
    user_ids = log["user_id"].to_pylist()
    user_ids[row_at] = user["user_id"]
    column = log.schema.get_field_index("user_id")
    tables["contact_log"] = log.set_column(column, "user_id", pa.array(user_ids, log.schema.field(column).type))
    team_id = user["team_id"]
    team = teams[(team_id,)]
    other = sorted(t for (t,) in tenants if t not in (team["tenant_id"], row_tenant))[0]
    changes["teams"].append(dict(team, tenant_id=other))
    done["team_moves_tenant"] = [team_id, team["tenant_id"], other]
    done["cross_tenant_contact_log_row"] = [log["event_id"][row_at].as_py(), row_tenant, user["user_id"]]
    contact_rows = tables["contact_log"].select(["tenant_id", "user_id"]).to_pylist()

    # a user moving team within its tenant (not the team above)
    referenced = _refs(tables, ("contact_log",), ("user_id",))
    for (user_id,), _ in referenced.most_common():
        user = users.get((user_id,))
        if not user or user["team_id"] in (None, team_id):
            continue
        mates = sorted(
            t for (t,), row in teams.items() if row["tenant_id"] == user["tenant_id"] and t not in (user["team_id"], team_id)
        )
        if mates:
            changes["user_profile"].append(dict(user, team_id=mates[0]))
            done["user_moves_team"] = [user_id, user["team_id"], mates[0]]
            break

    # a template deleted
    used = _refs(tables, ("template_log", "raw_message", "ai_assist_log"), ("template_id",))
    templates = latest["templates"]
    template_id = next(t for (t,), _ in used.most_common() if (t,) in templates and templates[(t,)]["deleted_at"] is None)
    changes["templates"].append(dict(templates[(template_id,)], deleted_at=at - dt.timedelta(hours=1)))
    done["template_deleted"] = template_id

    # a tenant changing timezone
    busiest = Counter(r["tenant_id"] for r in contact_rows if (r["tenant_id"],) in tenants).most_common(1)[0][0]
    tenant = tenants[(busiest,)]
    zone = "Pacific/Kiritimati" if tenant["timezone"] != "Pacific/Kiritimati" else "Pacific/Pago_Pago"
    changes["tenants"].append(dict(tenant, timezone=zone))
    done["tenant_timezone"] = [busiest, tenant["timezone"], zone]

    # a brand_retailers row no longer delivered
    carried = _refs(tables, ("asset_log", "campaign_log", "notification_log"), ("brand_id", "tenant_id"))
    pair = next(list(k) for k, _ in carried.most_common() if k in latest["brand_retailers"])
    done["brand_retailer_removed"] = pair

    for name, rows in changes.items():
        if rows:
            for row in rows:
                row[LOADED_AT] = at
            tables[name] = pa.concat_tables([tables[name], pa.Table.from_pylist(rows, schema=tables[name].schema)])
    manifest = dict(_manifest(lake), snapshot_changes=dict(done, day=day))
    manifest["removed"] = [*manifest.get("removed", []), {"table": "brand_retailers", "key": pair, "day": day}]
    return _write(out, tables, manifest)
