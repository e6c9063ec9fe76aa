"""dbt's floor: what a `dbt run` costs before any data, per materialization
(used by scripts/benchmark.py; alone: `.venv/bin/python scripts/dbt_floor.py
[--work DIR]`).

A throwaway DuckDB project is written into the work folder: for each
materialization used by this project (view, table, incremental
delete+insert with a post-hook appending to a manifest table, like ours)
the largest of `sizes` trivial models (`select 1 as id`), tagged so that
`-s tag:<materialization>_<N>` selects the first N. One untimed run
creates the incremental models (so that the timed runs take their
incremental path, as a daily run does) and dbt's partial-parse state;
then one timed `dbt run` per materialization and N. wall = a + b·N is fitted per materialization
by least squares: a is dbt's start-up and finish, b its cost per node."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
KINDS = ("view", "table", "incremental")
SIZES = (1, 50, 150)
CONFIG = {
    "view": "materialized='view'",
    "table": "materialized='table'",
    "incremental": (
        "materialized='incremental', incremental_strategy='delete+insert', unique_key='id', "
        "post_hook=\"insert into floor_manifest values ('{{ this.name }}', current_timestamp)\""
    ),
}


@dataclass
class Fit:
    kind: str
    a: float  # seconds
    b: float  # seconds per node
    walls: dict[int, float]


def profile_threads() -> int:
    """threads of this project's duckdb target (profiles.yml)."""
    profile = yaml.safe_load((ROOT / "profiles.yml").read_text())
    return int(profile["retail_saas"]["outputs"]["duckdb"]["threads"])


def write_project(folder: Path, sizes: tuple[int, ...], threads: int) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "models").mkdir(parents=True)
    (folder / "dbt_project.yml").write_text(
        "name: dbt_floor\nversion: '1.0'\nconfig-version: 2\nprofile: dbt_floor\nmodel-paths: [models]\n"
        "on-run-start: ['create table if not exists floor_manifest (model varchar, ran_at timestamp)']\n"
        "flags: {send_anonymous_usage_stats: false, partial_parse: true}\n"
    )
    (folder / "profiles.yml").write_text(
        f"dbt_floor:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n"
        f"      path: {folder / 'floor.duckdb'}\n      threads: {threads}\n"
    )
    for kind in KINDS:
        for i in range(1, max(sizes) + 1):
            tags = [f"{kind}_{n}" for n in sizes if i <= n]
            (folder / "models" / f"{kind}_{i:03d}.sql").write_text(
                f"{{{{ config({CONFIG[kind]}, tags={tags}) }}}}\nselect {i} as id\n"
            )


def dbt_run(folder: Path, *args: str) -> float:
    env = dict(os.environ, DBT_PROFILES_DIR=str(folder), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    cmd = [str(BIN / "dbt"), "run", "--project-dir", str(folder), *args]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, cwd=folder, env=env, capture_output=True, text=True)
    wall = time.monotonic() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"dbt floor project: dbt run {' '.join(args)} failed:\n{proc.stdout[-2000:]}")
    return wall


def fit(kind: str, walls: dict[int, float]) -> Fit:
    """Least squares of wall = a + b·N."""
    ns, ws = list(walls), list(walls.values())
    n_mean, w_mean = sum(ns) / len(ns), sum(ws) / len(ws)
    b = sum((n - n_mean) * (w - w_mean) for n, w in zip(ns, ws)) / sum((n - n_mean) ** 2 for n in ns)
    return Fit(kind, w_mean - b * n_mean, b, walls)


def measure(work: Path, sizes: tuple[int, ...] = SIZES, say=print) -> list[Fit]:
    folder = work / "dbt_floor"
    threads = profile_threads()
    write_project(folder, sizes, threads)
    say(f"dbt's floor: {len(KINDS) * max(sizes)} trivial models, {threads} threads; an untimed run creates the incremental ones")
    dbt_run(folder, "-s", f"tag:incremental_{max(sizes)}")
    fits = []
    for kind in KINDS:
        walls = {n: dbt_run(folder, "-s", f"tag:{kind}_{n}") for n in sizes}
        fits.append(fit(kind, walls))
        say(f"dbt's floor, {kind}: " + ", ".join(f"N={n}: {w:.1f} s" for n, w in walls.items()))
    return fits


def predicted(fits: list[Fit], mix: dict[str, int]) -> float:
    """The floor of one run of `mix` (materialization -> models): the mean
    start-up plus each model's cost per node; a materialization not
    measured counts as a table."""
    by_kind = {f.kind: f for f in fits}
    a = sum(f.a for f in fits) / len(fits)
    return a + sum(count * by_kind.get(kind, by_kind["table"]).b for kind, count in mix.items())


def table(fits: list[Fit], mix: dict[str, int] | None = None) -> list[str]:
    sizes = list(fits[0].walls)
    lines = [
        "| materialization | start-up a s | b ms per node | " + " | ".join(f"wall N={n} s" for n in sizes) + " |",
        "|---|---|---|" + "---|" * len(sizes),
    ]
    for f in fits:
        lines.append(f"| {f.kind} | {f.a:.1f} | {f.b * 1e3:.0f} | " + " | ".join(f"{f.walls[n]:.1f}" for n in sizes) + " |")
    if mix:
        described = ", ".join(f"{count} {kind}" for kind, count in sorted(mix.items()))
        lines += [
            "",
            f"Predicted floor of one run of this project's {sum(mix.values())} models ({described}): "
            f"{predicted(fits, mix):.1f} s (a run that runs every node cannot go below it).",
        ]
    return lines


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default="/tmp/retail_saas_floor", help="folder for the throwaway project")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)), help="numbers of models, comma-separated")
    args = ap.parse_args()
    fits = measure(Path(args.work), tuple(int(n) for n in args.sizes.split(",")))
    print("\n".join(["", "dbt's floor:", "", *table(fits)]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
