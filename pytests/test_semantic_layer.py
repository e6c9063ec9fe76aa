"""The MetricFlow semantic layer (dbt-metricflow): `mf validate-configs`
passes against the warehouse, every KPI of kpis.md has a metric, and
`mf query` returns the marts' figures for several KPIs."""

from __future__ import annotations

import csv
import json
import math
import os
import shutil
import subprocess

import duckdb
import pytest

from conftest import BIN, REPO
from docs_build import docs_build

# Rank columns order rows; they are no aggregate, hence no metric.
RANKS = {"user_daily_activity_rank", "user_activity_rank_28d", "top_asset_download_rank", "top_retailer_activity_rank"}


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    return docs_build(tmp_path_factory)


def mf(build, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [str(BIN / "mf"), *args], cwd=build.mf_project, env=build.mf_env(), capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    return proc


def mf_query(build, metrics: list[str], group_by: list[str]) -> list[dict]:
    out = build.work / f"mf_{len(list(build.work.glob('mf_*.csv')))}.csv"
    mf(build, "query", "--metrics", ",".join(metrics), "--group-by", ",".join(group_by), "--csv", str(out))
    with out.open() as f:
        return list(csv.DictReader(f))


def marts(build, sql: str) -> dict:
    with duckdb.connect(str(build.duckdb_path), read_only=True) as con:
        return {tuple(str(v) for v in row[:-1]): row[-1] for row in con.sql(sql).fetchall()}


def same(a, b) -> bool:
    if a in (None, "") or b in (None, ""):
        return a in (None, "") and b in (None, "")
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)


def check(rows: list[dict], keys: list[str], metric: str, expected: dict):
    got = {
        tuple(r[k][:10] if k.startswith("metric_time") else r[k] for k in keys): r[metric]
        for r in rows
        if r[metric] not in (None, "")
    }
    assert expected, f"no mart rows for {metric}"
    diff = {k: (got.get(k), v) for k, v in expected.items() if not same(got.get(k), v)}
    extra = set(got) - set(expected)
    assert not diff and not extra, (metric, list(diff.items())[:10], sorted(extra)[:10])


def test_mf_validate_configs(build):
    proc = mf(build, "validate-configs")
    assert "ERRORS: 0" in proc.stdout


def test_every_kpi_has_a_metric(build):
    manifest = json.loads((build.target / "manifest.json").read_text())
    metrics = {m["name"] for m in manifest["metrics"].values()}
    kpis = {d["name"][len("kpi_") :] for d in manifest["docs"].values() if d["name"].startswith("kpi_")}
    assert kpis - RANKS - metrics == set()
    kinds = {m["type"] for m in manifest["metrics"].values()}
    assert {"simple", "ratio", "cumulative", "conversion", "derived"} <= kinds, kinds


def test_mf_query_matches_the_daily_marts(build):
    rows = mf_query(
        build,
        [
            "inbox_first_replies",
            "notification_delivery_rate",
            "ai_tokens",
            "saas_active_users_28d",
            "saas_active_tenants_7d",
            "saas_paying_tenants",
            "binding_success_rate",
        ],
        ["metric_time__day"],
    )
    day = ["metric_time__day"]
    check(
        rows,
        day,
        "inbox_first_replies",
        marts(
            build,
            """
        select activity_date, sum(first_replies) from marts.inbox_daily
        group by 1 having sum(first_replies) > 0""",
        ),
    )
    check(
        rows,
        day,
        "notification_delivery_rate",
        marts(
            build,
            """
        select activity_date, sum(delivered) / sum(sent)
        from marts.notification_daily group by 1 having sum(sent) > 0""",
        ),
    )
    check(
        rows,
        day,
        "ai_tokens",
        marts(
            build,
            """
        select activity_date, sum(prompt_tokens + completion_tokens)
        from marts.ai_daily group by 1""",
        ),
    )
    check(
        rows,
        day,
        "binding_success_rate",
        marts(
            build,
            """
        select activity_date, sum(successes) / sum(attempts)
        from marts.binding_daily group by 1 having sum(attempts) > 0""",
        ),
    )
    calendar = {r["metric_time__day"][:10] for r in rows}
    for metric, column in (
        ("saas_active_users_28d", "active_users_28d"),
        ("saas_active_tenants_7d", "active_tenants_7d"),
        ("saas_paying_tenants", "paying_tenants"),
    ):
        expected = marts(
            build,
            f"""
            select activity_date_utc, {column} from marts.saas_daily
            where {column} > 0""",
        )
        got = {(r["metric_time__day"][:10],): r[metric] for r in rows if (r["metric_time__day"][:10],) in expected}
        assert calendar and all(same(got.get(k), v) for k, v in expected.items()), metric


def test_mf_query_matches_renewals_and_tenant_grain(build):
    rows = mf_query(build, ["renewal_rate", "renewal_due"], ["metric_time__month", "renewal_month__renewal_plan"])
    keys = ["metric_time__month", "renewal_month__renewal_plan"]
    check(
        rows,
        keys,
        "renewal_due",
        marts(
            build,
            """
        select due_month, plan, due from marts.subscription_renewals
        where due > 0""",
        ),
    )
    check(
        rows,
        keys,
        "renewal_rate",
        marts(
            build,
            """
        select due_month, plan, renewal_rate
        from marts.subscription_renewals where renewal_rate is not null""",
        ),
    )
    rows = mf_query(build, ["inbox_sla_compliance_rate", "crm_contacts_added"], ["tenant"])
    check(
        rows,
        ["tenant"],
        "inbox_sla_compliance_rate",
        marts(
            build,
            """
        select tenant_id, sum(sla_met) / sum(sla_due) from marts.inbox_daily
        group by 1 having sum(sla_due) > 0""",
        ),
    )
    check(
        rows,
        ["tenant"],
        "crm_contacts_added",
        marts(
            build,
            """
        select tenant_id, sum(contacts_added) from marts.crm_daily
        group by 1""",
        ),
    )


def test_retail_saas_mf_follows_the_database_of_the_build(build, tmp_path):
    """After a build into another file (here: the build's file copied to
    another name, as a publish renames its shadow file), the semantic
    manifest still names the old catalog; `retail-saas mf` brings it in
    step and the query returns the marts' figures."""
    from retail_saas.mf_cli import in_step, manifest_databases

    published = tmp_path / "elsewhere" / "published.duckdb"
    published.parent.mkdir()
    shutil.copy(build.duckdb_path, published)
    project = tmp_path / "project"
    (project / "target").mkdir(parents=True)
    os.symlink(REPO / "dbt_project.yml", project / "dbt_project.yml")
    manifest = project / "target" / "semantic_manifest.json"
    shutil.copy(build.target / "semantic_manifest.json", manifest)
    env = dict(build.mf_env(), DBT_PROJECT_DIR=str(project), RETAIL_SAAS_DUCKDB_PATH=str(published))
    assert manifest_databases(manifest) == {build.duckdb_path.stem} != {"published"}
    assert not in_step(env, project)[0]

    out = tmp_path / "rows.csv"
    proc = subprocess.run(
        [
            str(BIN / "retail-saas"),
            "mf",
            "query",
            "--metrics",
            "inbox_first_replies",
            "--group-by",
            "metric_time__day",
            "--csv",
            str(out),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, (proc.stdout[-3000:], proc.stderr[-3000:])
    assert manifest_databases(manifest) == {"published"}
    with out.open() as f:
        rows = list(csv.DictReader(f))
    with duckdb.connect(str(published), read_only=True) as con:
        expected = {
            (str(d),): n
            for d, n in con.sql(
                "select activity_date, sum(first_replies) from marts.inbox_daily group by 1 having sum(first_replies) > 0"
            ).fetchall()
        }
    check(rows, ["metric_time__day"], "inbox_first_replies", expected)
