"""Load the dashboards as code into Superset's metadata (run in .venv-bi).

    SUPERSET_CONFIG_PATH=bi/superset_config.py python -m retail_saas.bi.load

Idempotent upserts keyed by name (database, datasets, charts) and slug
(dashboards), so ids stay stable and charts that users saved keep working.
Then users, roles and row-level security are synced from the entitlements
(retail_saas.bi.logins)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from retail_saas.bi import metrics as metric_defs
from retail_saas.bi.spec import Dashboard, Spec, form_data, load_spec, query_context

DATABASE_NAME = "retail_saas marts"
OWNED = "retail_saas dashboards as code"  # marks the charts the loader owns


def database_uri(repo: Path) -> tuple[str, dict, dict[str, str]]:
    """SQLAlchemy URI, engine extras and schema names of the marts."""
    target = os.environ.get("RETAIL_SAAS_TARGET", "duckdb")
    schemas = {"marts": "marts", "seeds": "seeds"}
    if target == "postgres":
        from sqlalchemy.engine import URL

        url = URL.create(
            "postgresql+psycopg2",
            username=os.environ.get("PGUSER", "postgres"),
            password=os.environ.get("PGPASSWORD") or None,
            host=os.environ.get("PGHOST", "localhost"),
            port=int(os.environ.get("PGPORT", "5432")),
            database=os.environ.get("PGDATABASE", "retail_saas"),
        )
        return url.render_as_string(hide_password=False), {}, schemas
    if target != "duckdb":
        raise SystemExit(f"error: RETAIL_SAAS_TARGET={target}: the dashboards read duckdb or postgres")
    path = Path(os.environ.get("RETAIL_SAAS_DUCKDB_PATH", repo / "target/retail_saas.duckdb"))
    if not path.is_file():
        raise SystemExit(f"error: no marts at {path}: run scripts/main.sh first (or set RETAIL_SAAS_DUCKDB_PATH)")
    # Read-only and opened per query (Superset's NullPool): a dashboard
    # never blocks a build and sees the file a build last published whole.
    extra = {"engine_params": {"connect_args": {"read_only": True, "config": {"enable_external_access": False}}}}
    return f"duckdb:///{path.resolve()}", extra, schemas


def upsert_database(db, Database, repo: Path):
    uri, extra, schemas = database_uri(repo)
    database = db.session.query(Database).filter_by(database_name=DATABASE_NAME).one_or_none()
    if database is None:
        database = Database(database_name=DATABASE_NAME)
        db.session.add(database)
    database.set_sqlalchemy_uri(uri)
    database.extra = json.dumps(extra)
    database.expose_in_sqllab = True  # Admin only: tenant roles have no SQL Lab
    database.allow_run_async = False
    database.allow_dml = False
    database.allow_file_upload = False
    database.allow_ctas = False
    database.allow_cvas = False
    db.session.flush()
    return database, schemas


def upsert_datasets(db, spec: Spec, database, schemas: dict, repo: Path) -> dict:
    from superset.connectors.sqla.models import SqlaTable, SqlMetric

    generated = metric_defs.load(repo)
    tables = {}
    for ds in spec.datasets.values():
        table = db.session.query(SqlaTable).filter_by(table_name=ds.name, database_id=database.id).one_or_none()
        if table is None:
            table = SqlaTable(table_name=ds.name, database=database)
            db.session.add(table)
        table.schema = schemas["marts"]
        table.sql = ds.sql.format(**schemas).strip()
        table.description = ds.description
        table.main_dttm_col = ds.time
        table.filter_select_enabled = True
        table.normalize_columns = False
        table.always_filter_main_dttm = False
        db.session.flush()
        table.fetch_metadata()
        for col in table.columns:
            kind = (col.type or "").upper()
            col.is_dttm = col.column_name == ds.time or kind.startswith(("DATE", "TIMESTAMP"))
            col.verbose_name = spec.labels.get(col.column_name)
            col.filterable = col.groupby = True
        wanted = [(m.name, m.expression, m.label, m.description, m.number_format) for m in generated.get(ds.mart, [])]
        wanted += [
            (name, e["sql"], e.get("label", name), "", "SMART_NUMBER") for name, e in spec.extra_metrics.get(ds.name, {}).items()
        ]
        # updated in place by name: a metric's id (and the charts that use it) stays
        have = {m.metric_name: m for m in table.metrics}
        metrics = []
        for name, expr, label, description, number_format in wanted:
            metric = have.get(name) or SqlMetric(metric_name=name)
            metric.expression, metric.verbose_name = expr, label[:1].upper() + label[1:]
            metric.description, metric.d3format = description, number_format
            metrics.append(metric)
        table.metrics = metrics
        db.session.flush()
        tables[ds.name] = table
    return tables


def number_formats(repo: Path) -> dict[str, str]:
    return {m.name: m.number_format for ms in metric_defs.load(repo).values() for m in ms}


def check_chart(chart, spec: Spec, table, where: str) -> None:
    names = {m.metric_name for m in table.metrics}
    cols = {c.column_name for c in table.columns}
    missing = [m for m in chart.metrics if m not in names]
    missing += [c for c in chart.groupby if c not in cols]
    if missing:
        raise SystemExit(f"error: {where}: chart {chart.title!r} names {missing} that dataset {chart.dataset} lacks")


def upsert_dashboard(db, spec: Spec, dash: Dashboard, tables: dict, formats: dict[str, str]):
    from superset.models.dashboard import Dashboard as SDashboard
    from superset.models.slice import Slice

    slices = []
    for chart in dash.charts:
        table = tables[chart.dataset]
        check_chart(chart, spec, table, f"bi/dashboards ({dash.slug})")
        name = f"{dash.title}: {chart.title}"
        slc = db.session.query(Slice).filter_by(slice_name=name, description=OWNED).first()
        if slc is None:
            slc = Slice(slice_name=name)
            db.session.add(slc)
        ds = spec.datasets[chart.dataset]
        form = form_data(chart, ds, table.id, formats)
        slc.viz_type = form["viz_type"]
        slc.datasource_type = "table"
        slc.datasource_id = table.id
        slc.description = OWNED
        db.session.flush()
        form["slice_id"] = slc.id
        slc.params = json.dumps(form)
        slc.query_context = json.dumps(query_context(chart, ds, table.id, form))
        slices.append((chart, slc))

    board = db.session.query(SDashboard).filter_by(slug=dash.slug).one_or_none()
    if board is None:
        board = SDashboard(slug=dash.slug)
        db.session.add(board)
    board.dashboard_title = dash.title
    board.published = True
    board.slices = [slc for _, slc in slices]
    board.position_json = json.dumps(layout(dash, slices))
    board.json_metadata = json.dumps(metadata(spec, dash, slices, tables))
    db.session.flush()
    return board


def drop_stale_charts(db, boards: dict) -> None:
    """Charts the loader made that no dashboard of bi/ has any more."""
    from superset.models.slice import Slice

    kept = {slc.id for board in boards.values() for slc in board.slices}
    for slc in db.session.query(Slice).filter_by(description=OWNED).all():
        if slc.id not in kept:
            db.session.delete(slc)


def layout(dash: Dashboard, slices: list) -> dict:
    """Rows of charts, 12 grid units wide, in the YAML's order."""
    pos = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"id": "HEADER_ID", "type": "HEADER", "meta": {"text": dash.title}},
    }
    row, used = None, 12
    for n, (chart, slc) in enumerate(slices):
        if used + chart.width > 12:
            row, used = f"ROW-{n}", 0
            pos["GRID_ID"]["children"].append(row)
            pos[row] = {
                "type": "ROW",
                "id": row,
                "children": [],
                "parents": ["ROOT_ID", "GRID_ID"],
                "meta": {"background": "BACKGROUND_TRANSPARENT"},
            }
        key = f"CHART-{slc.id}"
        pos[row]["children"].append(key)
        height = 30 if chart.kind.startswith("big_number") else 60
        pos[key] = {
            "type": "CHART",
            "id": key,
            "children": [],
            "parents": ["ROOT_ID", "GRID_ID", row],
            "meta": {
                "width": chart.width,
                "height": height,
                "chartId": slc.id,
                "sliceName": slc.slice_name,
                "sliceNameOverride": chart.title,
                "uuid": str(slc.uuid),
            },
        }
        used += chart.width
    return pos


def metadata(spec: Spec, dash: Dashboard, slices: list, tables: dict) -> dict:
    """Native filters: a date range on every chart over time, and one
    select per configured column on the charts whose dataset has it."""
    ids = [slc.id for _, slc in slices]
    timed = [slc.id for chart, slc in slices if chart.timed]
    filters = [
        {
            "id": f"NATIVE_FILTER-date-{dash.slug}",
            "name": "Date range",
            "filterType": "filter_time",
            "type": "NATIVE_FILTER",
            "targets": [{}],
            "controlValues": {},
            "cascadeParentIds": [],
            "description": "",
            "defaultDataMask": {"filterState": {"value": "No filter"}, "extraFormData": {}},
            "scope": {"rootPath": ["ROOT_ID"], "excluded": [i for i in ids if i not in timed]},
            "chartsInScope": timed,
            "tabsInScope": [],
        }
    ]
    for f in spec.filters:
        having = [slc.id for chart, slc in slices if any(c.column_name == f["column"] for c in tables[chart.dataset].columns)]
        if not having:
            continue
        first = next(chart for chart, slc in slices if slc.id == having[0])
        filters.append(
            {
                "id": f"NATIVE_FILTER-{f['column']}-{dash.slug}",
                "name": f["name"],
                "filterType": "filter_select",
                "type": "NATIVE_FILTER",
                "targets": [{"datasetId": tables[first.dataset].id, "column": {"name": f["column"]}}],
                "controlValues": {
                    "multiSelect": True,
                    "enableEmptyFilter": False,
                    "defaultToFirstItem": False,
                    "inverseSelection": False,
                    "searchAllOptions": False,
                },
                "cascadeParentIds": [],
                "description": "",
                "defaultDataMask": {"extraFormData": {}, "filterState": {}, "ownState": {}},
                "scope": {"rootPath": ["ROOT_ID"], "excluded": [i for i in ids if i not in having]},
                "chartsInScope": having,
                "tabsInScope": [],
            }
        )
    return {
        "native_filter_configuration": filters,
        "color_scheme": "supersetColors",
        "refresh_frequency": 0,
        "cross_filters_enabled": False,
        "chart_configuration": {},
        "global_chart_configuration": {"scope": {"rootPath": ["ROOT_ID"], "excluded": []}, "chartsInScope": ids},
        "timed_refresh_immune_slices": [],
        "expanded_slices": {},
        "label_colors": {},
        "shared_label_colors": [],
        "positions": None,
        "description": dash.description,
    }


def init_metadata() -> None:
    """`superset db upgrade` and `superset init` in this process (one app
    start instead of three); the role sync runs once per Superset version."""
    from flask_migrate import upgrade
    from superset import appbuilder, security_manager

    from retail_saas.bi.logins import home

    upgrade()
    stamp = home() / f".init-{appbuilder.app.config['VERSION_STRING']}"
    if not stamp.exists():
        appbuilder.add_permissions(update_perms=True)
        security_manager.sync_role_definitions()
        stamp.touch()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", type=Path, default=Path.cwd())
    parser.add_argument(
        "--demo-logins", action="store_true", help="grant the labelled demo logins when the entitlement store is empty"
    )
    args = parser.parse_args(argv)
    repo = args.repo.resolve()
    spec = load_spec(repo)

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db
        from superset.models.core import Database

        from retail_saas.bi import logins

        init_metadata()

        database, schemas = upsert_database(db, Database, repo)
        tables = upsert_datasets(db, spec, database, schemas, repo)
        formats = number_formats(repo)
        boards = {d.slug: upsert_dashboard(db, spec, d, tables, formats) for d in spec.dashboards}
        drop_stale_charts(db, boards)
        db.session.commit()
        summary = logins.sync(db, spec, tables, boards, demo=args.demo_logins)
        db.session.commit()
    print(f"==> loaded {len(tables)} datasets, {sum(len(d.charts) for d in spec.dashboards)} charts, {len(boards)} dashboards")
    print(summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
