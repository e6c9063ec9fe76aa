"""Every model, column, source, seed, analysis, macro (with its arguments),
exposure, semantic model and metric of the project has a description
(read from manifest.json and catalog.json after `dbt docs generate`)."""

from __future__ import annotations

import json

import pytest

from docs_build import docs_build

PROJECT = "retail_saas"


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    build = docs_build(tmp_path_factory)
    manifest = json.loads((build.target / "manifest.json").read_text())
    catalog = json.loads((build.target / "catalog.json").read_text())
    return manifest, catalog


def blank(text) -> bool:
    return not (text or "").strip()


def test_every_node_and_column_is_described(artifacts):
    manifest, catalog = artifacts
    missing = []
    for uid, node in manifest["nodes"].items():
        if node["package_name"] != PROJECT or node["resource_type"] not in ("model", "seed", "analysis", "snapshot"):
            continue
        if blank(node["description"]):
            missing.append(uid)
        described = {name.lower() for name, col in node["columns"].items() if not blank(col["description"])}
        in_db = catalog["nodes"].get(uid, {}).get("columns", {})
        for name in set(node["columns"]) | set(in_db):
            if name.lower() not in described:
                missing.append(f"{uid}.{name}")
    assert not missing, "no description:\n" + "\n".join(sorted(missing))


def test_every_source_and_its_columns_are_described(artifacts):
    manifest, catalog = artifacts
    missing = []
    for uid, src in manifest["sources"].items():
        if src["package_name"] != PROJECT:
            continue
        if blank(src["description"]) or blank(src["source_description"]):
            missing.append(uid)
        missing += [f"{uid}.{name}" for name, col in src["columns"].items() if blank(col["description"])]
    assert manifest["sources"], "no source in the manifest"
    assert not missing, "no description:\n" + "\n".join(sorted(missing))


def test_every_own_macro_and_argument_is_described(artifacts):
    manifest, _ = artifacts
    missing = []
    for uid, macro in manifest["macros"].items():
        if macro["package_name"] != PROJECT:
            continue
        if blank(macro["description"]):
            missing.append(uid)
        missing += [f"{uid}({arg['name']})" for arg in macro["arguments"] if blank(arg.get("description"))]
    assert not missing, "no description:\n" + "\n".join(sorted(missing))


def test_exposures_semantic_models_and_metrics_are_described(artifacts):
    manifest, _ = artifacts
    assert manifest["exposures"] and manifest["metrics"]
    missing = [
        uid
        for kind in ("exposures", "semantic_models", "metrics")
        for uid, node in manifest[kind].items()
        if blank(node.get("description"))
    ]
    assert not missing, "no description:\n" + "\n".join(sorted(missing))


def test_kpi_columns_reuse_the_kpi_doc_blocks(artifacts):
    manifest, _ = artifacts
    blocks = {
        d["name"]: d["block_contents"].strip()
        for d in manifest["docs"].values()
        if d["package_name"] == PROJECT and d["name"].startswith("kpi_")
    }
    assert len(blocks) >= 100, len(blocks)
    assert "__overview__" in {d["name"] for d in manifest["docs"].values() if d["package_name"] == PROJECT}
    used = {
        col["description"].strip()
        for node in manifest["nodes"].values()
        if node["package_name"] == PROJECT
        for col in node["columns"].values()
    }
    used |= {m["description"].strip() for m in manifest["metrics"].values()}
    unused = [name for name, text in blocks.items() if text not in used]
    assert not unused, f"doc blocks used by no column or metric: {unused}"
    for name, text in blocks.items():
        text = " ".join(text.split())
        assert "SQL: `models/" in text and " CTE `" in text, name
