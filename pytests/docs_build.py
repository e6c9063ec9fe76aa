"""One small, isolated build of the project with its docs, shared by the
docs-site, descriptions and semantic-layer tests (built once per pytest
process): a generated lake, `dbt build` without tests (models, seeds),
`dbt docs generate --static`, and a MetricFlow project folder whose
`target/` is that build's target (mf reads `<project>/target/`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from conftest import REPO, dbt_env, generate_lake, run_dbt

_BUILT: dict[str, DocsBuild] = {}


@dataclass
class DocsBuild:
    work: Path
    env: dict[str, str]
    target: Path
    mf_project: Path

    @property
    def duckdb_path(self) -> Path:
        return Path(self.env["RETAIL_SAAS_DUCKDB_PATH"])

    def mf_env(self) -> dict[str, str]:
        env = dict(self.env)
        env.update(DBT_PROJECT_DIR=str(self.mf_project), DBT_PROFILES_DIR=str(REPO))
        return env


def docs_build(tmp_path_factory) -> DocsBuild:
    if "build" in _BUILT:
        return _BUILT["build"]
    work = tmp_path_factory.mktemp("docs_build")
    lake = generate_lake(work / "lake", scale=0.01, seed=1)
    env = dbt_env(work, RETAIL_SAAS_LAKE=str(lake))
    run_dbt(["build", "--selector", "no_tests"], work, env=env)
    run_dbt(["docs", "generate", "--static"], work, env=env)
    mf_project = work / "mf_project"
    mf_project.mkdir()
    os.symlink(REPO / "dbt_project.yml", mf_project / "dbt_project.yml")
    os.symlink(work / "target", mf_project / "target")
    _BUILT["build"] = DocsBuild(work, env, work / "target", mf_project)
    return _BUILT["build"]
