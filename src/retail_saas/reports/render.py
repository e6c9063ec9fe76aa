"""Render a report: one CSV per section (+ summary, scope audit) and one PDF with charts."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .periods import Period, Scope
from .sections import SectionData, fetch, sections_for, totals

FORMATS = ("csv", "pdf")
PAGE_SIZE = (11.69, 8.27)  # A4 landscape, inches


@dataclass
class Report:
    scope: Scope
    period: Period
    database: str
    sections: list[SectionData]
    generated_for: dt.date
    files: list[Path] = field(default_factory=list)

    @property
    def stem(self) -> str:
        return f"{self.scope.slug}_{self.period.kind}_{self.period.label}"

    @property
    def title(self) -> str:
        return f"KPI report – {self.scope} – {self.period.kind} {self.period.label}"


def build(database: str | Path, scope: Scope, period: Period) -> Report:
    if not Path(database).exists():
        raise FileNotFoundError(f"DuckDB file {database} not found (build the marts first: dbt build)")
    con = duckdb.connect(str(database), read_only=True)
    try:
        data = [fetch(con, s, scope, period) for s in sections_for(scope)]
    finally:
        con.close()
    return Report(scope, period, str(database), data, period.start)


def _change(cur, prev):
    if cur is None or prev is None:
        return None, None
    return cur - prev, (None if prev == 0 else (cur - prev) / abs(prev))


def _fmt(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else f"{v:.6f}".rstrip("0")
    return str(v)


def write_csv(report: Report, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    files = []
    header = ["scope", "period", "period_start", "previous_start", "section", "dimension", "metric",
              "current", "previous", "change", "change_pct"]
    prev = report.period.previous()
    for data in report.sections:
        path = out / f"{report.stem}_{data.section.name}.csv"
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(header)
            for dim, both in data.rows.items():
                for metric in data.measures():
                    cur, pre = both["current"].get(metric), both["previous"].get(metric)
                    ch, pct = _change(cur, pre)
                    w.writerow([str(report.scope), report.period.label, report.period.start, prev.start,
                                data.section.name, dim, metric, _fmt(cur), _fmt(pre), _fmt(ch), _fmt(pct)])
        files.append(path)
    path = out / f"{report.stem}_summary.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["scope", "period", "section", "metric", "current", "previous", "change", "change_pct"])
        for data in report.sections:
            if data.section.top_n:
                continue  # a top list is not a total
            tot = totals(data)
            for metric in tot["current"]:
                cur, pre = tot["current"][metric], tot["previous"][metric]
                ch, pct = _change(cur, pre)
                w.writerow([str(report.scope), report.period.label, data.section.name, metric,
                            _fmt(cur), _fmt(pre), _fmt(ch), _fmt(pct)])
    files.append(path)
    path = out / f"{report.stem}_scope_audit.csv"
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["section", "period", "dimension", "scope_column", "audit_distinct", "audit_min", "audit_max"])
        for data in report.sections:
            for a in data.audit:
                w.writerow([a["section"], a["period"], a["dimension"], a["scope_column"], a["audit_distinct"],
                            a["audit_min"], a["audit_max"]])
    files.append(path)
    return files


def write_pdf(report: Report, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{report.stem}.pdf"
    prev = report.period.previous()
    # fixed metadata: the same report renders the same bytes
    meta = {"Title": report.title, "Creator": "retail-saas report", "CreationDate": None, "ModDate": None}
    with PdfPages(path, metadata=meta) as pdf:
        fig = plt.figure(figsize=PAGE_SIZE)
        fig.text(0.05, 0.92, report.title, fontsize=18, weight="bold")
        fig.text(0.05, 0.87, f"current {report.period}   ·   previous {prev}", fontsize=10)
        rows = []
        for data in report.sections:
            if data.section.top_n or not data.rows:
                continue
            tot = totals(data)
            for metric in tot["current"]:
                cur, pre = tot["current"][metric], tot["previous"][metric]
                ch, pct = _change(cur, pre)
                rows.append([data.section.title, metric, _fmt(cur), _fmt(pre),
                             "" if pct is None else f"{pct:+.1%}"])
        ax = fig.add_axes((0.05, 0.05, 0.9, 0.78))
        ax.axis("off")
        if rows:
            table = ax.table(cellText=rows[:34], colLabels=["section", "metric", "current", "previous", "change"],
                             loc="upper left", cellLoc="left")
            table.auto_set_font_size(False)
            table.set_fontsize(7)
            table.scale(1, 1.1)
        else:
            ax.text(0, 0.9, "No data for this scope and period.", fontsize=12)
        pdf.savefig(fig)
        plt.close(fig)
        for data in report.sections:
            _section_page(pdf, plt, report, data)
    return path


def _section_page(pdf, plt, report: Report, data: SectionData) -> None:
    sec = data.section
    fig = plt.figure(figsize=PAGE_SIZE)
    fig.suptitle(f"{sec.title} – {report.scope} – {report.period.label} vs previous", fontsize=14)
    dims = list(data.rows)[:12]
    panels = [sec.chart]
    rates = (sec.chart_rate,) if isinstance(sec.chart_rate, str) else (sec.chart_rate or ())
    for rate in rates:
        if any(data.rows[d][p].get(rate) is not None for d in dims for p in ("current", "previous")):
            panels.append(rate)
            break
    for i, metric in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        if not dims:
            ax.text(0.5, 0.5, "no data", ha="center", va="center")
            ax.set_axis_off()
            continue
        cur = [data.rows[d]["current"].get(metric) or 0 for d in dims]
        pre = [data.rows[d]["previous"].get(metric) or 0 for d in dims]
        y = range(len(dims))
        ax.barh([k + 0.2 for k in y], cur, height=0.4, label="current", color="#1f77b4")
        ax.barh([k - 0.2 for k in y], pre, height=0.4, label="previous", color="#ff7f0e")
        ax.set_yticks(list(y), labels=[d[:24] for d in dims], fontsize=8)
        ax.invert_yaxis()
        ax.set_title(metric)
        ax.legend(fontsize=8)
        ax.grid(axis="x", alpha=0.3)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    pdf.savefig(fig)
    plt.close(fig)


def render(database: str | Path, scope: Scope, period: Period, out: str | Path,
           formats: tuple[str, ...] = FORMATS) -> Report:
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"format {bad}: expected csv and/or pdf")
    report = build(database, scope, period)
    out = Path(out)
    if "csv" in formats:
        report.files += write_csv(report, out)
    if "pdf" in formats:
        report.files.append(write_pdf(report, out))
    return report
