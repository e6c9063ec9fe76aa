"""Writing frames as the lake: `<out>/<table>/part-NNN.parquet`, plus the manifest.

Files are split by arrival window (`_loaded_at`, 10 days each) so readers
exercise multi-file reads, and so that daily arrival batches can later be a
different window function.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .config import DAY
from .corruption import FLOAT_COLUMNS
from .frame import NULL, Frame
from .schema import BOOL, DATE, LOADED_AT, STR, TableSpec

ARRIVAL_WINDOW_DAYS = 10
MANIFEST = "_generator_manifest.json"


def to_arrow(frame: Frame, spec: TableSpec) -> pa.Table:
    """The contract's columns, in contract order, with exact Arrow types."""
    schema = spec.arrow_schema()
    floats = FLOAT_COLUMNS.get(spec.name, ())
    schema = pa.schema([pa.field(f.name, pa.float64()) if f.name in floats else f for f in schema])
    arrays = []
    for field in schema:
        values = frame[field.name]
        kind = dict(spec.columns).get(field.name)
        if field.name in floats:  # rule 12: NaN / infinity where injected
            marks = frame.aux.get(f"_float_{field.name}", np.zeros(len(values)))
            marked = ~np.isfinite(marks)
            arrays.append(
                pa.array(np.where(marked, marks, values.astype(np.float64)), pa.float64(), mask=(values == NULL) & ~marked)
            )
        elif kind == STR:
            arrays.append(pa.array(values, pa.string()))
        elif kind == BOOL:
            arrays.append(pa.array(values.astype(bool), pa.bool_()))
        elif kind == DATE:
            arrays.append(pa.array(values.astype(np.int32), pa.date32(), mask=values == NULL))
        else:  # int64 and timestamp[us] share the NULL sentinel
            arrays.append(pa.array(values.astype(np.int64), field.type, mask=values == NULL))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_table(out: Path, spec: TableSpec, frame: Frame, start_us: int) -> int:
    """Replace `<out>/<table>/` with one file per arrival window; returns files written."""
    folder = out / spec.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    order = np.argsort(frame[LOADED_AT], kind="stable")
    table = to_arrow(frame, spec).take(pa.array(order))
    window = np.maximum((frame[LOADED_AT][order] - start_us) // (ARRIVAL_WINDOW_DAYS * DAY), 0)
    files = 0
    for w in np.unique(window):
        rows = np.flatnonzero(window == w)
        pq.write_table(table.slice(int(rows[0]), len(rows)), folder / f"part-{int(w):03d}.parquet")
        files += 1
    return files


def write_manifest(out: Path, manifest: dict) -> Path:
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path
