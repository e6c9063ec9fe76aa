"""`retail-saas mf [mf arguments]`: MetricFlow's `mf` on the database the
profile names now.

`mf` reads `<project>/target/semantic_manifest.json`, which names every
mart with the database catalog of the parse that wrote it (on DuckDB the
database file's name: `dbt` for `dbt.duckdb`, `retail_saas.shadow` for a
publish build's shadow file). After a build into another file, or a
publish (`retail-saas build` builds `retail_saas.shadow.duckdb`, then
renames it), every `mf query` fails with `Catalog "..." does not exist`.
This command first compares the manifest's database with the profile's
(RETAIL_SAAS_TARGET, RETAIL_SAAS_DUCKDB_PATH, PGDATABASE): when only the
database differs it rewrites the manifest's relations to the profile's
database (the models, metrics and schemas are those of the same project);
when the manifest is missing or the database cannot be told, it runs
`dbt parse`. Then it runs `mf` with the same environment. The project is
DBT_PROJECT_DIR, else the current folder."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from retail_saas.passthrough import add_passthrough_parser


def add_parser(sub: argparse._SubParsersAction) -> None:
    add_passthrough_parser(
        sub,
        "mf",
        help="MetricFlow (mf) with target/semantic_manifest.json re-parsed for the current database",
        description=__doc__,
        func=_mf,
        dest="mf_args",
        args_help="arguments for mf",
    )


def expected_database(env: dict[str, str], project: Path) -> str | None:
    """The database catalog the profile connects to, where it can be told
    without connecting; None when unknown (then the manifest is re-parsed)."""
    target = env.get("RETAIL_SAAS_TARGET", "duckdb")
    if target == "duckdb":
        path = env.get("RETAIL_SAAS_DUCKDB_PATH", "target/retail_saas.duckdb")
        return Path(path).name.removesuffix(".duckdb") if path != ":memory:" else "memory"
    if target == "postgres":
        return env.get("PGDATABASE", "retail_saas")
    return None


def _relations(value, found: list[dict]) -> list[dict]:
    """Every node relation ({database, schema_name, alias, relation_name})
    of a semantic manifest, in place."""
    if isinstance(value, dict):
        relation = value.get("node_relation")
        if isinstance(relation, dict):
            found.append(relation)
        for v in value.values():
            _relations(v, found)
    elif isinstance(value, list):
        for v in value:
            _relations(v, found)
    return found


def manifest_databases(path: Path) -> set[str]:
    """Every database named by a node relation of a semantic manifest."""
    return {r["database"] for r in _relations(json.loads(path.read_text()), []) if r.get("database")}


def move_to_database(path: Path, database: str) -> int:
    """Point every relation of the manifest at `database`; how many moved."""
    data = json.loads(path.read_text())
    moved = 0
    for r in _relations(data, []):
        old = r.get("database")
        if old and old != database:
            prefix = f'"{old}".'
            if not str(r.get("relation_name", "")).startswith(prefix):
                raise ValueError(f"{path}: relation {r.get('relation_name')!r} does not start with {prefix}")
            r["relation_name"] = f'"{database}".' + r["relation_name"][len(prefix) :]
            r["database"] = database
            moved += 1
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)
    return moved


def _bin(name: str) -> str:
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else name


def in_step(env: dict[str, str], project: Path) -> tuple[bool, str]:
    """(whether the manifest names the profile's database, why not)."""
    manifest = project / "target" / "semantic_manifest.json"
    if not manifest.exists():
        return False, f"{manifest} is missing"
    want = expected_database(env, project)
    have = manifest_databases(manifest)
    if want is None or have != {want}:
        return False, f"it names database {', '.join(sorted(have)) or 'none'}, the profile {want or 'unknown'}"
    return True, ""


def bring_in_step(env: dict[str, str], project: Path) -> None:
    """Make target/semantic_manifest.json name the profile's database."""
    ok, why = in_step(env, project)
    if ok:
        return
    manifest = project / "target" / "semantic_manifest.json"
    want = expected_database(env, project)
    if manifest.exists() and want is not None:
        moved = move_to_database(manifest, want)
        print(f"==> target/semantic_manifest.json: {moved} relations moved to database {want} ({why})", file=sys.stderr, flush=True)
        return
    print(f"==> dbt parse: target/semantic_manifest.json is out of step ({why})", file=sys.stderr, flush=True)
    proc = subprocess.run(
        [_bin("dbt"), "parse", "--quiet", "--project-dir", str(project), "--target-path", str(project / "target")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        last = (proc.stdout + proc.stderr).strip().splitlines()[-1:] or ["no output"]
        raise ValueError(f"dbt parse failed: {last[0]}")


def _mf(args: argparse.Namespace) -> int:
    env = dict(os.environ)
    project = Path(env.get("DBT_PROJECT_DIR", ".")).resolve()
    env.setdefault("DBT_PROFILES_DIR", str(project))
    try:
        bring_in_step(env, project)
        return subprocess.run([_bin("mf"), *args.mf_args], cwd=project, env=env).returncode
    except (OSError, ValueError) as e:
        print(f"retail-saas mf: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
