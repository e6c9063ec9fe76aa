"""The generator run: world → domains → arrivals → bad rows → redeliveries → files."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TextIO

from . import corruption, delivery, lifecycles
from . import incidents as incidents_mod
from .config import GenConfig
from .domains import DOMAINS
from .frame import Frame, as_object
from .rng import stream
from .schema import TABLES, TableSpec
from .world import app_frames, build_world, created_times
from .writer import write_manifest, write_table


def generate(out: str | Path, cfg: GenConfig, log: TextIO | None = sys.stderr, incidents: tuple = ()) -> dict:
    """Write the whole lake for `cfg` into `out` and return the manifest.

    `incidents`: `incidents.Incident`s to inject (churn precursors always are)."""
    started = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    say = (lambda msg: print(msg, file=log, flush=True)) if log else (lambda msg: None)
    say(f"generate: scale={cfg.scale} seed={cfg.seed} start={cfg.start} days={cfg.days} -> {out}")

    world = build_world(cfg)
    raw: dict[str, Frame] = {}
    mutators: dict = {}
    for domain in DOMAINS:
        name = domain.__name__.rsplit(".", 1)[-1]
        raw.update(domain.generate(world, stream(cfg.seed, f"domain:{name}")))
        mutators.update(getattr(domain, "MUTATORS", {}))
    raw.update(app_frames(world))  # after the domains: contact grades are final
    lifecycle_truth = lifecycles.apply(world, raw, stream(cfg.seed, "lifecycles"))
    truth = {**incidents_mod.apply(world, raw, stream(cfg.seed, "incidents"), incidents), **lifecycle_truth}

    ledger = corruption.Ledger()
    rows, files, redeliveries, late = {}, {}, {}, {}
    for name, spec in TABLES.items():
        t0 = time.perf_counter()
        frame = _deliver(raw[name], spec, cfg, world, ledger, mutators.get(name), redeliveries, late)
        files[name] = write_table(out, spec, frame, cfg.start_us)
        rows[name] = len(frame)
        say(f"  {name:<20} {rows[name]:>9,} rows  {files[name]:>2} files  {time.perf_counter() - t0:5.2f}s")

    manifest = {
        "seed": cfg.seed,
        "scale": cfg.scale,
        "start": cfg.start.isoformat(),
        "days": cfg.days,
        "rows": rows,
        "files": files,
        "total_rows": sum(rows.values()),
        "bad_rows": ledger.as_dict(),
        "redeliveries": redeliveries,
        "late_arrivals": late,
        "rates": {
            "late_arrival": delivery.LATE_RATE,
            "redelivery_identical": delivery.REDELIVERY_IDENTICAL_RATE,
            "redelivery_changed": delivery.REDELIVERY_CHANGED_RATE,
            "third_copy_share": delivery.THIRD_COPY_SHARE,
        },
        **truth,  # churned_tenants (ground truth for insights-eval), incidents
    }
    write_manifest(out, manifest)
    elapsed = time.perf_counter() - started
    say(_summary(rows, elapsed, ledger.as_dict()["total"]))
    return manifest


def _deliver(frame, spec: TableSpec, cfg, world, ledger, mutate, redeliveries, late) -> Frame:
    rng = stream(cfg.seed, f"deliver:{spec.name}")
    bad_rng = stream(cfg.seed, f"bad:{spec.name}")
    if spec.source == "app":
        frame = delivery.arrive_snapshot(frame.copy(), cfg, rng, created_times(frame))
        frame = corruption.inject_app(frame, world, bad_rng, ledger, spec.key)
        mutate = mutate or _app_mutator(spec)
    else:
        frame = delivery.arrive_events(frame, spec, cfg, rng)
        frame = corruption.inject_events(frame, world, bad_rng, ledger)
        delivery.clamp_arrivals(frame, spec)
    late[spec.name] = int(frame["_late"].sum())
    frame, counts = delivery.redeliver(frame, spec, cfg, rng, mutate)
    redeliveries[spec.name] = counts
    return corruption.inject_copies(frame, spec.key, world, stream(cfg.seed, f"bad-copies:{spec.name}"), ledger)


def _app_mutator(spec: TableSpec):
    """App snapshot rows change over time: a free-text field gets edited."""
    edits = {
        "brands": ("name", lambda v: f"{v} (edited)"),
        "tenants": ("name", lambda v: f"{v} (edited)"),
        "teams": ("name", lambda v: f"{v} (edited)"),
        "user_profile": ("phone", lambda v: v[:-2] + "00"),
        "contacts": ("phone", lambda v: v[:-2] + "00"),
        "templates": ("language", lambda v: "fr" if v == "en" else "en"),
    }
    if spec.name not in edits:
        return None
    col, edit = edits[spec.name]

    def mutate(frame: Frame, rows, copy: Frame, rng) -> None:
        copy[col] = as_object([None if v is None else edit(v) for v in copy[col]])

    return mutate


def _summary(rows: dict[str, int], elapsed: float, bad: int) -> str:
    total = sum(rows.values())
    lines = ["", f"{'table':<22}{'rows':>12}", "-" * 34]
    lines += [f"{name:<22}{n:>12,}" for name, n in rows.items()]
    lines += [
        "-" * 34,
        f"{'total':<22}{total:>12,}",
        f"bad rows injected: {bad:,} ({bad / max(total, 1):.2%})",
        f"done in {elapsed:.1f}s",
    ]
    return "\n".join(lines)
