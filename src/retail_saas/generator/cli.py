"""The `generate` sub-command."""

from __future__ import annotations

import argparse
import datetime as dt

from .config import DEFAULT_DAYS, DEFAULT_START, GenConfig


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "generate",
        help="write a synthetic lake (all contract tables) as parquet",
        description="Write a deterministic synthetic lake: <out>/<table>/part-*.parquet and "
        "<out>/_generator_manifest.json. Existing table folders in <out> are replaced.",
    )
    p.add_argument("--scale", type=float, default=1.0, help="1 ≈ 1M rows over 90 days; 0.01 for tests")
    p.add_argument("--seed", type=int, default=42, help="same seed, same bytes")
    p.add_argument("--out", required=True, help="lake folder, e.g. data/lake")
    p.add_argument(
        "--start-date", type=dt.date.fromisoformat, default=DEFAULT_START, help=f"first UTC day of events (default {DEFAULT_START})"
    )
    p.add_argument("--days", type=int, default=DEFAULT_DAYS, help=f"days of events (default {DEFAULT_DAYS})")
    p.add_argument(
        "--incident",
        action="append",
        default=[],
        metavar="KIND:TENANT:YYYY-MM-DD:DAYS",
        help="inject an incident over tenant-local days (repeatable); KIND is notification_outage or binding_failure_spike",
    )
    p.add_argument(
        "--batches-dir", default=None, help="also write the lake as daily arrivals: DIR/day-NNN/<table>/ (rows landed that day)"
    )
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .incidents import Incident
    from .pipeline import generate

    incidents = tuple(Incident.parse(text) for text in getattr(args, "incident", []) or [])
    generate(args.out, GenConfig(scale=args.scale, seed=args.seed, start=args.start_date, days=args.days), incidents=incidents)
    if args.batches_dir:
        from pathlib import Path

        from .batches import write_batches

        write_batches(Path(args.out), Path(args.batches_dir))
    return 0
