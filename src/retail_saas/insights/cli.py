"""The `insights-eval` sub-command."""

from __future__ import annotations

import argparse
import os


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "insights-eval",
        help="backtest churn risk, anomaly detection, contact churn and template recommendations",
        description="Compare marts.tenant_churn_risk and marts.kpi_anomalies with the generator's "
        "ground truth in <lake>/_generator_manifest.json (churned tenants, injected incidents).",
    )
    p.add_argument(
        "--database",
        default=os.environ.get("RETAIL_SAAS_DUCKDB_PATH", "target/retail_saas.duckdb"),
        help="DuckDB file with the marts (default $RETAIL_SAAS_DUCKDB_PATH or target/retail_saas.duckdb)",
    )
    p.add_argument(
        "--lake",
        default=os.environ.get("RETAIL_SAAS_LAKE", "data/lake"),
        help="the generated lake the marts were built from (default $RETAIL_SAAS_LAKE or data/lake)",
    )
    p.add_argument("--horizon-days", type=int, default=21, help="churn within this many days counts (default 21)")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    from .backtest import backtest
    from .evaluate import evaluate

    result = evaluate(args.database, args.lake, args.horizon_days)
    for line in result.lines():
        print(line)
    # contact churn and template recommendations: several cut-offs, baselines
    for line in backtest(args.database).lines():
        print(line)
    return 0
