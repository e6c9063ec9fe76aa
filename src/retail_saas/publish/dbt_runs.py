"""Running dbt for a publish build: the dbt arguments the user gave (split
into option groups), the dbt process with its output streamed, and what
its run_results.json says went wrong."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

# Options that narrow what `dbt build` builds; a build with one of them
# builds part of the project.
SELECTION = {
    "-s",
    "--select",
    "-m",
    "--models",
    "--exclude",
    "--selector",
    "--resource-type",
    "--resource-types",
    "--exclude-resource-type",
    "--exclude-resource-types",
}
# Options that say which project, profile and target (every dbt command).
PROJECT = {"--project-dir", "--profiles-dir", "--profile", "-t", "--target", "--vars", "--target-path", "--log-path"}


class PublishError(Exception):
    """A publish build that cannot go on: the message is the one line the
    user sees."""


def option_groups(args: list[str]) -> list[list[str]]:
    """dbt's arguments as [option, value...] groups (`--select a b` is one
    group); a token before any option is an error, as for `dbt build`."""
    groups: list[list[str]] = []
    for tok in args:
        if tok.startswith("-") and not _is_number(tok):
            groups.append([tok])
        elif groups:
            groups[-1].append(tok)
        else:
            raise PublishError(f"unexpected argument {tok!r}: dbt takes options only here")
    return groups


def _is_number(tok: str) -> bool:
    try:
        float(tok)
    except ValueError:
        return False
    return True


def flag(group: list[str]) -> str:
    return group[0].split("=", 1)[0]


def values(groups: list[list[str]], *names: str) -> list[str]:
    """Every value given to the options `names` (`--x v` and `--x=v`)."""
    out = []
    for g in groups:
        if flag(g) in names:
            out.extend(([g[0].split("=", 1)[1]] if "=" in g[0] else []) + g[1:])
    return out


def has(groups: list[list[str]], *names: str) -> bool:
    return any(flag(g) in names for g in groups)


def flatten(groups: list[list[str]]) -> list[str]:
    return [tok for g in groups for tok in g]


def dbt_bin() -> str:
    """dbt of this interpreter's environment (the project's .venv)."""
    here = Path(sys.executable).parent / "dbt"
    return str(here) if here.exists() else "dbt"


@dataclass
class Target:
    """Where dbt writes: the target name (profile output), its folder for
    manifest and run_results, the project folder."""

    name: str
    target_path: Path
    project_dir: Path
    env: dict[str, str] = field(default_factory=dict)


def resolve_target(groups: list[list[str]], env: dict[str, str]) -> Target:
    project = Path((values(groups, "--project-dir") or [env.get("DBT_PROJECT_DIR", ".")])[-1]).resolve()
    tpath = (values(groups, "--target-path") or [env.get("DBT_TARGET_PATH", "")])[-1]
    target_path = Path(tpath) if tpath else project / "target"
    name = (values(groups, "-t", "--target") or [env.get("RETAIL_SAAS_TARGET", "duckdb")])[-1]
    return Target(name=name, target_path=target_path.resolve(), project_dir=project, env=env)


def run(command: str, args: list[str], env: dict[str, str], seen: list[str] | None = None) -> int:
    """`dbt <command> <args>`, its output streamed line by line (the
    progress) and kept in `seen` if given; returns the exit code."""
    proc = subprocess.Popen(
        [dbt_bin(), command, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        if seen is not None:
            seen.append(line)
    return proc.wait()


@dataclass
class Outcome:
    """What a dbt run left in run_results.json: the nodes that failed or
    errored, and whether `node` (by name) was built."""

    ok: bool
    failed: list[str]
    built: set[str]


def outcome(target: Target, rc: int, since: float) -> Outcome:
    path = target.target_path / "run_results.json"
    if not path.exists() or path.stat().st_mtime < since:
        return Outcome(ok=False, failed=["dbt stopped before running any node"], built=set())
    results = json.loads(path.read_text()).get("results", [])
    failed = [r["unique_id"].split(".", 2)[-1] for r in results if r.get("status") in ("fail", "error")]
    built = {r["unique_id"].rsplit(".", 1)[-1] for r in results if r.get("status") == "success"}
    if rc != 0 and not failed:
        failed = ["dbt exited with an error (see its output above)"]
    return Outcome(ok=rc == 0 and not failed, failed=failed, built=built)


def describe(failed: list[str], most: int = 3) -> str:
    more = f" and {len(failed) - most} more" if len(failed) > most else ""
    return ", ".join(failed[:most]) + more


def now() -> float:
    return time.time()
