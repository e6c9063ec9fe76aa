"""Row-for-row comparison of built models, shared by the PostgreSQL and
incremental tests: which models to compare (the public marts, models with
an enforced contract under models/marts/, and the staging models) and an
order-independent comparison with a float tolerance."""

from __future__ import annotations

import datetime as dt
import math
import os
from decimal import Decimal

REL_TOL = 1e-9


def compared_models(manifest: dict) -> list[dict]:
    """Public marts (models/marts/** with an enforced contract), staging
    models (stg_*, stg_quarantined_rows included)."""
    picked = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model" or node["config"].get("materialized") == "ephemeral":
            continue
        path = node["original_file_path"].replace(os.sep, "/")
        is_mart = path.startswith("models/marts/") and node["config"].get("contract", {}).get("enforced")
        if is_mart or node["name"].startswith("stg_"):
            picked.append(node)
    return sorted(picked, key=lambda n: (not n["original_file_path"].startswith("models/marts/"), n["name"]))


def _norm(v):
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float):
        return v
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.UTC).replace(tzinfo=None)
        return v
    if isinstance(v, (dt.date, dt.time)):
        return v
    if isinstance(v, dt.timedelta):
        return v.total_seconds()
    return str(v)


def _sort_key(row: tuple) -> tuple:
    key = []
    for v in row:
        if v is None:
            key.append((0, 0))
        elif isinstance(v, bool):
            key.append((1, v))
        elif isinstance(v, float):
            key.append((2, 0.0 if v == 0 or not math.isfinite(v) else float(f"{v:.8g}")))
        elif isinstance(v, int):
            key.append((2, v))
        elif isinstance(v, dt.datetime):
            key.append((3, v.isoformat()))
        elif isinstance(v, dt.date):
            key.append((3, v.isoformat()))
        else:
            key.append((4, str(v)))
    return tuple(key)


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or a == b and type(a) is type(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, float) or isinstance(b, float):
            if math.isnan(a) and math.isnan(b):
                return True
            return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
        return a == b
    if isinstance(a, dt.datetime) != isinstance(b, dt.datetime):
        return False  # a date against a timestamp is a type difference
    return a == b


def compare_rows(cols_pg, rows_pg, cols_dk, rows_dk) -> list[str]:
    """Order-independent row-for-row comparison; [] when equal."""
    problems = []
    if cols_pg != cols_dk:
        problems.append(f"columns differ: postgres {cols_pg} vs duckdb {cols_dk}")
        if set(cols_pg) != set(cols_dk):
            return problems
        idx = [cols_dk.index(c) for c in cols_pg]
        rows_dk = [tuple(r[i] for i in idx) for r in rows_dk]
    if len(rows_pg) != len(rows_dk):
        problems.append(f"row count: postgres {len(rows_pg)} vs duckdb {len(rows_dk)}")
    a = sorted((tuple(_norm(v) for v in r) for r in rows_pg), key=_sort_key)
    b = sorted((tuple(_norm(v) for v in r) for r in rows_dk), key=_sort_key)
    shown = 0
    for ra, rb in zip(a, b):
        if not all(_same(x, y) for x, y in zip(ra, rb)):
            diff = {c: (x, y) for c, x, y in zip(cols_pg, ra, rb) if not _same(x, y)}
            problems.append(f"row differs (postgres, duckdb): {diff}")
            shown += 1
            if shown >= 5:
                problems.append("…")
                break
    return problems
