"""The dashboards as code (bi/): datasets, charts and dashboards read from
YAML, and the Superset form data / query context each chart is saved with.
Pure Python: used by the loader (in .venv-bi) and by the tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BI = Path("bi")
TIME_GRAIN = "P1W"  # 90 days of marts read best by week
NO_FILTER = "No filter"


@dataclass
class Dataset:
    name: str
    mart: str
    sql: str
    description: str
    time: str | None
    access_mart: str


@dataclass
class Chart:
    title: str
    kind: str
    dataset: str
    metrics: list[str]
    groupby: list[str] = field(default_factory=list)
    width: int = 6
    limit: int | None = None
    grain: str = TIME_GRAIN
    order: str | None = None
    where: dict = field(default_factory=dict)
    timed: bool = True


@dataclass
class Dashboard:
    title: str
    slug: str
    description: str
    exposure: str | None
    charts: list[Chart]


@dataclass
class Spec:
    datasets: dict[str, Dataset]
    dashboards: list[Dashboard]
    extra_metrics: dict[str, dict[str, dict]]
    labels: dict[str, str]
    filters: list[dict]


def load_spec(repo: Path) -> Spec:
    raw = yaml.safe_load((repo / BI / "datasets.yml").read_text())
    datasets = {
        name: Dataset(name, d["mart"], d["sql"], " ".join(d["description"].split()), d.get("time"), d.get("access_mart", d["mart"]))
        for name, d in raw["datasets"].items()
    }
    dashboards = []
    for path in sorted((repo / BI / "dashboards").glob("*.yml")):
        d = yaml.safe_load(path.read_text())
        charts = []
        for c in d["charts"]:
            metrics = c.get("metrics") or [c["metric"]]
            charts.append(
                Chart(
                    c["title"],
                    c["kind"],
                    c["dataset"],
                    metrics,
                    c.get("groupby", []),
                    c.get("width", 6),
                    c.get("limit"),
                    c.get("grain", TIME_GRAIN),
                    c.get("order"),
                    c.get("filter", {}),
                    c.get("time", True) and bool(datasets[c["dataset"]].time),
                )
            )
        dashboards.append(Dashboard(d["title"], d["slug"], d.get("description", ""), d.get("exposure"), charts))
    return Spec(datasets, dashboards, raw.get("extra_metrics", {}), raw.get("labels", {}), raw.get("filters", []))


VIZ = {
    "line": "echarts_timeseries_line",
    "bar": "echarts_timeseries_bar",
    "area": "echarts_area",
    "big_number_trend": "big_number",
    "big_number": "big_number_total",
    "table": "table",
    "pie": "pie",
}
SERIES = ("line", "bar", "area")
ROW_LIMIT = 10000


def row_limit(chart: Chart) -> int:
    """A chart's `limit` is the number of its groups (series, table rows by
    its first metric: Superset's series limit), not a row limit: Superset
    shows a warning icon on every chart whose rows reach its row limit
    ("The row limit set for the chart was reached"), and a row limit would
    also cut a line chart's points. Only a table in a fixed order (`order`)
    is cut by rows."""
    return chart.limit if chart.kind == "table" and chart.order and chart.limit else ROW_LIMIT


def limits_groups(chart: Chart) -> bool:
    return bool(chart.limit) and row_limit(chart) == ROW_LIMIT


def _axis(chart: Chart, time: str) -> dict:
    # how Explore itself sends the x-axis: a base-axis column with a grain
    return {"timeGrain": chart.grain, "columnType": "BASE_AXIS", "sqlExpression": time, "label": time, "expressionType": "SQL"}


def _simple_filters(chart: Chart, time: str | None) -> list[dict]:
    filters = [
        {"clause": "WHERE", "subject": col, "operator": "==", "comparator": value, "expressionType": "SIMPLE"}
        for col, value in chart.where.items()
    ]
    if chart.timed and time:
        filters.append(
            {"clause": "WHERE", "subject": time, "operator": "TEMPORAL_RANGE", "comparator": NO_FILTER, "expressionType": "SIMPLE"}
        )
    return filters


def form_data(chart: Chart, dataset: Dataset, dataset_id: int, formats: dict[str, str]) -> dict:
    """The chart's params, as Explore saves them; `formats`: metric -> d3 format."""
    time = dataset.time if chart.timed else None
    shown = {formats.get(m, "SMART_NUMBER") for m in chart.metrics}
    number = shown.pop() if len(shown) == 1 else "SMART_NUMBER"
    form = {
        "datasource": f"{dataset_id}__table",
        "viz_type": VIZ[chart.kind],
        "adhoc_filters": _simple_filters(chart, time),
        "extra_form_data": {},
        "row_limit": row_limit(chart),
        "color_scheme": "supersetColors",
    }
    if chart.kind in SERIES:
        form.update(
            x_axis=time,
            time_grain_sqla=chart.grain,
            metrics=chart.metrics,
            groupby=chart.groupby,
            show_legend=True,
            legendOrientation="top",
            # every series named (a scrolling legend hid the fifth channel)
            legendType="plain",
            rich_tooltip=True,
            y_axis_format=number,
            order_desc=True,
            x_axis_time_format="smart_date",
            truncateYAxis=False,
            zoomable=False,
            markerEnabled=chart.kind == "line",
            stack=chart.kind in ("bar", "area") and bool(chart.groupby),
            series_limit=chart.limit or 0,
            series_limit_metric=chart.metrics[0] if chart.limit else None,
        )
    elif chart.kind == "big_number_trend":
        form.update(
            metric=chart.metrics[0],
            x_axis=time,
            time_grain_sqla=chart.grain,
            show_trend_line=True,
            start_y_axis_at_zero=True,
            y_axis_format=number,
            header_font_size=0.4,
            subheader_font_size=0.15,
            time_format="smart_date",
            aggregation="raw",
        )  # the whole period: a ratio of sums
    elif chart.kind == "big_number":
        form.update(metric=chart.metrics[0], y_axis_format=number)
    elif chart.kind == "table":
        form.update(
            query_mode="aggregate",
            groupby=chart.groupby,
            metrics=chart.metrics,
            all_columns=[],
            percent_metrics=[],
            order_desc=chart.order is None,
            timeseries_limit_metric=None if chart.order else chart.metrics[0],
            server_pagination=False,
            table_timestamp_format="%Y-%m-%d",  # tables group by days
            show_cell_bars=True,
            include_search=False,
            page_length=0,
            column_config={m: {"d3NumberFormat": formats[m]} for m in chart.metrics if m in formats},
        )
    elif chart.kind == "pie":
        form.update(
            metric=chart.metrics[0],
            groupby=chart.groupby,
            donut=True,
            show_labels=True,
            label_type="percent",  # the legend names the slices
            show_legend=True,
            legendOrientation="right",
            sort_by_metric=True,
            number_format="SMART_NUMBER",
        )
    if chart.kind == "table" and limits_groups(chart):
        form.update(series_columns=list(chart.groupby), series_limit=chart.limit, series_limit_metric=chart.metrics[0])
    return form


def query_context(chart: Chart, dataset: Dataset, dataset_id: int, form: dict) -> dict:
    """What the chart's data API and CSV export run for a saved chart."""
    time = dataset.time if chart.timed else None
    filters = [{"col": col, "op": "==", "val": value} for col, value in chart.where.items()]
    if time:
        filters.append({"col": time, "op": "TEMPORAL_RANGE", "val": NO_FILTER})
    query = {
        "filters": filters,
        "extras": {"having": "", "where": ""},
        "applied_time_extras": {},
        "metrics": chart.metrics,
        "row_limit": row_limit(chart),
        "url_params": {},
        "custom_params": {},
        "custom_form_data": {},
        "time_offsets": [],
        "post_processing": [],
    }
    if chart.kind in SERIES or chart.kind == "big_number_trend":
        query["extras"]["time_grain_sqla"] = chart.grain
        query["columns"] = [_axis(chart, time), *chart.groupby]
        query["series_columns"] = list(chart.groupby)
        query["orderby"] = [[chart.metrics[0], False]]
        if chart.kind in SERIES and chart.limit:
            query.update(series_limit=chart.limit, series_limit_metric=chart.metrics[0])
    else:
        query["columns"] = list(chart.groupby)
        order = [[chart.order, True]] if chart.order else [[chart.metrics[0], False]]
        query["orderby"] = order if chart.kind != "big_number" else []
        if limits_groups(chart):
            query.update(series_columns=list(chart.groupby), series_limit=chart.limit, series_limit_metric=chart.metrics[0])
    return {
        "datasource": {"id": dataset_id, "type": "table"},
        "force": False,
        "queries": [query],
        "form_data": form,
        "result_format": "json",
        "result_type": "full",
    }


BI_URL = "http://127.0.0.1:8088/superset/dashboard/{}/"


def marts_read(dataset: Dataset) -> list[str]:
    """The marts a dataset's SQL selects from (seeds are no public model)."""
    return sorted(set(re.findall(r"\{marts\}\.(\w+)", dataset.sql)))


def exposure_of(spec: Spec, dash: Dashboard) -> dict:
    """What models/exposures.yml must say of a dashboard: url and marts."""
    marts = sorted({m for c in dash.charts for m in marts_read(spec.datasets[c.dataset])})
    return {"name": dash.exposure, "url": BI_URL.format(dash.slug), "depends_on": [f"ref('{m}')" for m in marts]}
