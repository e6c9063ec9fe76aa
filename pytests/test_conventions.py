"""The project's public interface as dbt's model governance sees it, read
from one `dbt parse` (no database): groups with owners, public versioned
marts published under their plain names, exposures on public models only,
and the named selections of selectors.yml (each compared with a selection
worked out here from the manifest's paths, configs and lineage)."""

from __future__ import annotations

import json
import os
import re

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def parsed(tmp_path_factory):
    """(manifest object, manifest dict, run args) of one in-process parse."""
    from dbt.cli.main import dbtRunner

    work = tmp_path_factory.mktemp("conventions")
    os.environ.setdefault("DBT_PROFILES_DIR", str(REPO))
    args = ["--target-path", str(work / "target"), "--log-path", str(work / "logs"), "--quiet"]
    old = os.getcwd()
    os.chdir(REPO)
    try:
        res = dbtRunner().invoke(["parse", *args])
        assert res.success, res.exception
    finally:
        os.chdir(old)
    return res.result, json.loads((work / "target" / "manifest.json").read_text()), args


def _models(manifest: dict) -> dict[str, dict]:
    return {u: n for u, n in manifest["nodes"].items() if n["resource_type"] == "model"}


def test_every_model_has_a_group_with_an_owner(parsed):
    manifest = parsed[1]
    groups = {g["name"]: g for g in manifest["groups"].values()}
    for g in groups.values():
        assert g["owner"].get("name") and g["owner"].get("email"), g["name"]
    missing = [n["name"] for n in _models(manifest).values() if n["group"] not in groups]
    assert not missing, missing
    # one group per module: every model of models/<layer>/<module>/ is in group <module>
    for n in _models(manifest).values():
        parts = n["original_file_path"].split("/")
        if parts[1] in ("marts", "intermediate"):
            assert n["group"] == parts[2], (n["name"], n["group"])
        if parts[1] == "insights":
            assert n["group"] == "insights", n["name"]


def test_marts_are_public_versioned_and_keep_their_names(parsed):
    manifest = parsed[1]
    marts = [n for n in _models(manifest).values() if n["original_file_path"].startswith("models/marts/")]
    assert len(marts) >= 40
    for n in marts:
        assert n["access"] == "public", n["name"]
        assert n["version"] is not None and str(n["latest_version"]) == str(n["version"]), n["name"]
        # readers (RLS, BI datasets, reports) use the plain name
        assert n["alias"] == n["name"] and n["schema"] == "marts", (n["name"], n["alias"])
    # docs/governance.md: the insights marts (model scores) are public
    # without an enforced contract; every other mart enforces its contract
    loose = {n["original_file_path"] for n in marts if not n["config"]["contract"]["enforced"]}
    assert {"models/marts/insights/kpi_anomalies.sql", "models/marts/insights/tenant_churn_risk.sql"} <= loose
    assert [p for p in loose if not p.startswith("models/marts/insights/")] == []
    assert len(marts) - len(loose) >= 40


def test_nothing_below_the_marts_is_public(parsed):
    manifest = parsed[1]
    below = [n for n in _models(manifest).values() if not n["original_file_path"].startswith("models/marts/")]
    assert below and not [n["name"] for n in below if n["access"] == "public"]
    private = {n["name"] for n in below if n["access"] == "private"}
    assert "int_syncs_sequenced" in private and "int_kpi_points_prescreened" in private
    assert not [n["name"] for n in below if n["original_file_path"].startswith("models/staging/") and n["access"] != "protected"]


def test_exposures_depend_on_public_models_only(parsed):
    manifest = parsed[1]
    nodes = manifest["nodes"]
    exposures = list(manifest["exposures"].values())
    assert len(exposures) >= 10
    for e in exposures:
        deps = e["depends_on"]["nodes"]
        assert deps, e["name"]
        assert [d for d in deps if nodes[d]["access"] != "public"] == [], e["name"]


def _ls(parsed, selector: str) -> set[str]:
    from dbt.cli.main import dbtRunner

    manifest_obj, _, args = parsed
    old = os.getcwd()
    os.chdir(REPO)
    try:
        res = dbtRunner(manifest=manifest_obj).invoke(
            ["ls", "--selector", selector, "--output", "json", "--output-keys", "unique_id", *args]
        )
    finally:
        os.chdir(old)
    assert res.success, (selector, res.exception)
    return {json.loads(line)["unique_id"] for line in res.result}


def _tests_of(manifest: dict, models: set[str]) -> set[str]:
    return {
        u
        for u, n in manifest["nodes"].items()
        if n["resource_type"] in ("test", "unit_test") and set(n["depends_on"]["nodes"]) & models
    }


def test_selectors_select_what_they_say(parsed):
    manifest = parsed[1]
    models = _models(manifest)
    marts = {u for u, n in models.items() if n["original_file_path"].startswith("models/marts/")}
    incremental = {u for u, n in models.items() if n["config"]["materialized"] == "incremental"}
    # the three incremental marts, the state they keep (run manifest, snapshot
    # changes) and the validated event logs (val_events__*, one per log)
    staged = {p.stem for p in (REPO / "models" / "staging" / "events" / "validated").glob("val_events__*.sql")}
    assert len(staged) == 16
    assert {models[u]["name"] for u in incremental} == {
        "fct_events",
        "crm_daily",
        "automation_daily",
        "int_incremental_manifest",
        "int_snapshot_changes",
        *staged,
    }

    got = _ls(parsed, "marts")
    assert {u for u in got if u in models} == marts

    got = _ls(parsed, "incremental")
    assert {u for u in got if u in models} == incremental
    assert _tests_of(manifest, incremental) - got == set()

    got = _ls(parsed, "redshift_offline")
    assert {u for u in got if u in models} == set(models) - incremental
    assert not [u for u in got if u.startswith("unit_test.")]
    assert any(u.startswith("test.") for u in got) and any(u.startswith("seed.") for u in got)

    # one module: the group's models and every model they are built from
    parents = {u: set(n["depends_on"]["nodes"]) for u, n in models.items()}
    want = {u for u, n in models.items() if n["group"] == "inbox"}
    todo = list(want)
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p in models and p not in want:
                want.add(p)
                todo.append(p)
    got = _ls(parsed, "module_inbox")
    assert {u for u in got if u in models} == want
    assert "model.retail_saas.int_messages_first_replied" in want and "model.retail_saas.stg_events__messages" in want


def test_readme_uses_the_selectors():
    readme = (REPO / "README.md").read_text()
    for name in ("marts", "redshift_offline", "incremental", "module_inbox"):
        assert re.search(rf"--selector\s+{name}\b", readme), name
    assert "--exclude config.materialized:incremental" not in readme


def _models_text(*globs: str) -> dict[str, str]:
    return {str(p.relative_to(REPO)): p.read_text() for g in globs for p in REPO.glob(g)}


def test_staging_columns_are_described_once():
    """Every column of the staging yml (sources, base_, val_, stg_) takes its
    description from a doc block of models/staging/_staging__columns.md;
    no two blocks say the same, every block is used."""
    import yaml

    text = (REPO / "models" / "staging" / "_staging__columns.md").read_text()
    blocks = {n: " ".join(b.split()) for n, b in re.findall(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", text, re.S)}
    assert len(blocks) > 50 and len(set(blocks.values())) == len(blocks)
    used, literal, columns = set(), [], 0
    for path in REPO.glob("models/staging/*/**/_*.yml"):
        doc = yaml.safe_load(path.read_text())
        tables = [t for s in doc.get("sources", []) for t in s["tables"]] + doc.get("models", [])
        for t in tables:
            for c in t.get("columns", []):
                columns += 1
                m = re.fullmatch(r"{{\s*doc\('(\w+)'\)\s*}}", c.get("description", "").strip())
                if m and m.group(1) in blocks:
                    used.add(m.group(1))
                else:
                    literal.append(f"{path.name}: {t['name']}.{c['name']}")
    assert columns > 900 and not literal, literal[:20]
    assert used == set(blocks), sorted(set(blocks) - used)


def test_each_rule_is_written_once():
    sql = _models_text("models/**/*.sql", "macros/**/*.sql")

    def where(pattern: str) -> list[str]:
        return sorted(p for p, t in sql.items() if re.search(pattern, t))

    # the training pairs of anomaly detection
    assert where(r"judged\.day_number\s*-\s*training\.day_number") == ["macros/insights/kpi_training_pairs.sql"]
    # the event_id expression
    assert where(r"source\.source_table\s*~\s*\":'\"") == ["macros/platform/event_sources.sql"]
    assert len(re.findall(r"source\.source_table\s*~\s*\":'\"", sql["macros/platform/event_sources.sql"])) == 1
    # the funnel's first event per step
    assert where(r"'first_human_reply'") == ["models/intermediate/saas/int_tenant_funnel_steps.sql"]
    for path in ("models/marts/saas/activation_funnel.sql", "models/semantic/tenant_milestones.sql"):
        assert "ref('int_tenant_funnel_steps')" in sql[path] and "min(occurred_at)" not in sql[path], path
    # one union of the event logs: the others read it
    assert where(r"union_event_sources\(") == [
        "macros/platform/event_sources.sql",
        "models/intermediate/platform/int_events_unioned.sql",
    ]
    for path in (
        "models/intermediate/platform/int_as_of.sql",
        "models/intermediate/platform/int_activities_unioned.sql",
        "models/marts/platform/fct_events.sql",
    ):
        assert "ref('int_events_unioned')" in sql[path] and "stg_events__" not in sql[path], path
    assert "ref('int_events_unioned')" in sql["macros/incremental/event_keys.sql"]
    # marts read the tenants' dimension, not staging
    in_marts = [p for p in where(r"ref\('stg_app__tenants'\)") if p.startswith("models/marts/")]
    assert in_marts == ["models/marts/core/dim_tenants.sql"]
