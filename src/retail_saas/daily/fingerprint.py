"""What a dbt run reads, as one hash per part: the lake's files (path,
size, mtime_ns; on PostgreSQL the raw tables), the project's code, the
dbt version, the target and the arguments. Two runs with equal parts
compute the same marts (except for the clock, see store.pending_rows)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path

import yaml

# What dbt compiles the project from (dbt_project.yml's paths); doc blocks
# and data tests do not change a model's rows.
CODE_PATHS = ("models", "macros", "seeds", "dbt_project.yml", "selectors.yml", "packages.yml")
# Environment that the profile and the sources' yml read. PGPASSWORD is
# left out: it does not choose the data, and a secret has no place in a
# stored record.
ENV_PREFIXES = ("RETAIL_SAAS_", "DBT_PROFILES_DIR")
PG_ENV = ("PGHOST", "PGPORT", "PGUSER", "PGDATABASE")


class GateError(Exception):
    """The gate cannot go on: the message is the one line the user sees."""


def digest(items: object) -> str:
    return hashlib.sha256(json.dumps(items, sort_keys=True, default=str).encode()).hexdigest()[:32]


def vars_given(dbt_args: list[str]) -> dict:
    """The --vars of the dbt arguments (YAML or JSON), merged in order."""
    out: dict = {}
    for i, tok in enumerate(dbt_args):
        text = (
            tok.split("=", 1)[1]
            if tok.startswith("--vars=")
            else dbt_args[i + 1]
            if tok == "--vars" and i + 1 < len(dbt_args)
            else None
        )
        if text is None:
            continue
        try:
            parsed = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise GateError(f"--vars is not YAML: {str(e).splitlines()[0]}") from None
        if not isinstance(parsed, dict):
            raise GateError(f"--vars must be a mapping, got {text!r}")
        out.update(parsed)
    return out


def lake_location(dbt_args: list[str], env: Mapping[str, str]) -> tuple[Path, str]:
    """The lake's folder and format, as the sources' yml reads them: var
    lake_path, else env RETAIL_SAAS_LAKE, else data/lake (relative to the
    directory dbt runs in); var lake_format, else RETAIL_SAAS_LAKE_FORMAT,
    else parquet."""
    given = vars_given(dbt_args)
    lake = given.get("lake_path") or env.get("RETAIL_SAAS_LAKE") or "data/lake"
    fmt = given.get("lake_format") or env.get("RETAIL_SAAS_LAKE_FORMAT") or "parquet"
    return Path(str(lake)), str(fmt)


def lake_files(lake: Path, fmt: str) -> list[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every file the sources read:
    <lake>/<table>/*.<format>."""
    if not lake.is_dir():
        raise GateError(f"lake folder {lake} not found (var lake_path or env RETAIL_SAAS_LAKE)")
    out = []
    for table in sorted(p for p in lake.iterdir() if p.is_dir()):
        for f in sorted(table.glob(f"*.{fmt}")):
            st = f.stat()
            out.append((f"{table.name}/{f.name}", st.st_size, st.st_mtime_ns))
    return out


def code_hash(project: Path) -> str:
    """sha256 over the relative path and content of every file of CODE_PATHS."""
    h = hashlib.sha256()
    for name in CODE_PATHS:
        root = project / name
        files = sorted(p for p in root.rglob("*") if p.is_file()) if root.is_dir() else [root] if root.is_file() else []
        for f in files:
            h.update(str(f.relative_to(project)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:32]


def seeds_hash(project: Path) -> str:
    """The seeds alone: a change means `dbt seed` before `dbt run`."""
    return digest(
        [(str(p.relative_to(project)), p.read_bytes().hex()) for p in sorted((project / "seeds").rglob("*")) if p.is_file()]
    )


def dbt_versions() -> str:
    names = ("dbt-core", "dbt-duckdb", "dbt-postgres", "duckdb")
    found = []
    for name in names:
        try:
            found.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ",".join(found)


def target_identity(target: str, env: Mapping[str, str]) -> dict[str, str]:
    """The target's name and the environment that the profile reads."""
    keep = {k: v for k, v in env.items() if k.startswith(ENV_PREFIXES) or (target == "postgres" and k in PG_ENV)}
    return {"target": target, **dict(sorted(keep.items()))}


def fingerprint(
    project: Path, target: str, command: str, dbt_args: list[str], env: Mapping[str, str], lake_part: dict
) -> dict[str, str]:
    """One hash per part; the record compares them all."""
    return {
        "lake": lake_part["hash"],
        "code": code_hash(project),
        "seeds": seeds_hash(project),
        "dbt": dbt_versions(),
        "target": digest(target_identity(target, env)),
        "command": digest([command, *dbt_args]),
    }


def file_lake_part(dbt_args: list[str], env: Mapping[str, str]) -> dict:
    lake, fmt = lake_location(dbt_args, env)
    files = lake_files(lake, fmt)
    return {"hash": digest([str(lake.resolve()), fmt, files]), "files": len(files), "where": str(lake)}
