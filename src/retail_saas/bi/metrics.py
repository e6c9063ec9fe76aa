"""Superset metric expressions generated from the MetricFlow definitions.

models/semantic/_semantic_models.yml (measures: agg + expr per mart) and
models/semantic/_metrics.yml (simple, ratio and derived metrics, described
by the kpi_<metric> doc blocks) are the one definition of every KPI. Each
metric whose measures all live on one mart becomes a SQL aggregate over
that mart's columns: a ratio is a ratio of sums, never an average of the
mart's daily rates. Cumulative and conversion metrics need MetricFlow's own
time logic and are left out (the marts carry their results as columns)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

SEMANTIC = Path("models/semantic")
KPI_DOCS = Path("models/marts/_kpi_docs.md")
AGGREGATES = {
    "sum": "SUM({})",
    "count": "COUNT({})",
    "count_distinct": "COUNT(DISTINCT {})",
    "max": "MAX({})",
    "min": "MIN({})",
    "average": "AVG({})",
    "sum_boolean": "SUM(CASE WHEN {} THEN 1 ELSE 0 END)",
}


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    description: str
    expression: str
    is_rate: bool

    @property
    def number_format(self) -> str:
        """How Superset shows the value: rates in %, durations as whole units."""
        if self.name.endswith("_rate") or "_rate_" in self.name:
            return ".1%"
        if "seconds" in self.name or "hours" in self.name:
            return ",.0f"  # the unit is in the chart's title
        if "minutes" in self.name:
            return ",.1f"
        return ",.1f" if self.is_rate else "SMART_NUMBER"


def _mart(ref: str) -> str:
    return re.fullmatch(r"ref\('([^']+)'\)", ref.strip()).group(1)


def doc_blocks(repo: Path) -> dict[str, str]:
    text = (repo / KPI_DOCS).read_text()
    return {name: " ".join(body.split()) for name, body in re.findall(r"{%\s*docs\s+(\w+)\s*%}(.*?){%\s*enddocs\s*%}", text, re.S)}


def _describe(text: str, docs: dict[str, str]) -> str:
    return re.sub(r"{{\s*doc\('(\w+)'\)\s*}}", lambda m: docs.get(m.group(1), m.group(1)), text or "").strip()


def load(repo: Path) -> dict[str, list[Metric]]:
    """Mart name -> its Superset metrics (every measure, then every metric)."""
    models = yaml.safe_load((repo / SEMANTIC / "_semantic_models.yml").read_text())
    defs = yaml.safe_load((repo / SEMANTIC / "_metrics.yml").read_text())["metrics"]
    docs = doc_blocks(repo)
    measures: dict[str, tuple[str, str]] = {}  # measure -> (mart, SQL)
    for model in models["semantic_models"]:
        for measure in model.get("measures", []):
            expr = str(measure.get("expr", measure["name"]))
            measures[measure["name"]] = (_mart(model["model"]), AGGREGATES[measure["agg"]].format(expr))
    by_name = {m["name"]: m for m in defs}
    compiled: dict[str, tuple[str, str] | None] = {}

    def compile_metric(name: str) -> tuple[str, str] | None:
        """(mart, SQL) of a metric, or None when it cannot be one aggregate."""
        if name in compiled:
            return compiled[name]
        compiled[name] = None  # cycles and unsupported kinds stay None
        metric = by_name[name]
        params = metric.get("type_params", {})
        kind = metric["type"]
        result = None
        if kind == "simple":
            measure = params["measure"]
            measure = measure["name"] if isinstance(measure, dict) else measure
            result = measures.get(measure)
        elif kind == "ratio":
            num, den = (compile_metric(_ref(params[k])) for k in ("numerator", "denominator"))
            if num and den and num[0] == den[0]:
                result = (num[0], f"1.0 * ({num[1]}) / NULLIF({den[1]}, 0)")
        elif kind == "derived":
            parts = {_ref(m): compile_metric(_ref(m)) for m in params["metrics"]}
            marts = {p[0] for p in parts.values() if p}
            if all(parts.values()) and len(marts) == 1:
                expr = re.sub(
                    r"\b\w+\b", lambda m: f"({parts[m.group(0)][1]})" if m.group(0) in parts else m.group(0), params["expr"]
                )
                result = (marts.pop(), expr)
        compiled[name] = result
        return result

    out: dict[str, list[Metric]] = {}
    for name, (mart, sql) in measures.items():
        if name not in by_name:
            out.setdefault(mart, []).append(
                Metric(name, name.replace("_", " "), f"Measure {name} of the semantic layer.", sql, False)
            )
    for metric in defs:
        result = compile_metric(metric["name"])
        if result:
            out.setdefault(result[0], []).append(
                Metric(
                    metric["name"],
                    metric.get("label", metric["name"]),
                    _describe(metric.get("description", ""), docs),
                    result[1],
                    metric["type"] == "ratio",
                )
            )
    return out


def _ref(item) -> str:
    return item["name"] if isinstance(item, dict) else item
