"""Write a report: one PDF (an HTML template rendered by WeasyPrint, with
matplotlib charts) and one zip archive of CSV files, inside --out only."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from . import charts
from .build import Report
from .warehouse import ReportError

FORMATS = ("csv", "pdf")
TEMPLATES = Path(__file__).with_name("templates")
_EPOCH = (2000, 1, 1, 0, 0, 0)  # fixed zip timestamps: the same report, the same bytes


def inside(out: str | Path, *parts: str) -> Path:
    """`out`/parts, refusing any path that resolves outside `out` (.., absolute parts, links)."""
    base = Path(out).resolve()
    path = base.joinpath(*parts).resolve()
    if not path.is_relative_to(base):
        raise ReportError(f"output path {'/'.join(parts)!r} leaves the output folder {out}")
    return path


def out_dir(out: str | Path) -> Path:
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise ReportError(f"--out {out}: is a file, not a folder")
    try:
        p.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    return p


def html(report: Report) -> str:
    import jinja2
    import markupsafe

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    sparks = [None if f.kpi.monthly else charts.spark(f.series, f.prev_series, f.current, f.previous) for f in report.figures]
    return env.get_template("report.html.j2").render(
        r=report, charts=sparks, css=markupsafe.Markup((TEMPLATES / "report.css").read_text())
    )


def write_pdf(report: Report, out: Path) -> Path:
    import weasyprint

    path = inside(out, f"{report.stem}.pdf")
    weasyprint.HTML(string=html(report), base_url=str(TEMPLATES)).write_pdf(path)
    return path


def _csv_bytes(rows: list[dict]) -> bytes:
    cols: list[str] = []
    for r in rows:
        cols += [k for k in r if k not in cols]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols)
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode()


def summary_rows(report: Report) -> list[dict]:
    return [
        {
            "scope": str(report.scope),
            "name": report.name,
            "period": report.period.label,
            "kpi": f.kpi.key,
            "label": f.kpi.label,
            "unit": f.kpi.unit,
            "current": f.current,
            "previous": f.previous,
            "shown": f.text,
            "change": f.change,
        }
        for f in report.figures
    ]


def write_archive(report: Report, out: Path) -> Path:
    """summary.csv (the headline figures), unusual.csv and one CSV per section, in one zip."""
    path = inside(out, f"{report.stem}_data.zip")
    files = {"summary.csv": summary_rows(report), "unusual.csv": [{"sentence": s} for s in report.unusual]}
    files.update({f"{s.key}.csv": s.csv for s in report.sections if s.csv})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, rows in files.items():
            zf.writestr(zipfile.ZipInfo(f"{report.stem}/{name}", _EPOCH), _csv_bytes(rows) if rows else b"")
    return path


def write(report: Report, out: str | Path, formats: tuple[str, ...] = FORMATS) -> list[Path]:
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ReportError(f"--format {','.join(formats)}: expected csv, pdf or csv,pdf")
    folder = out_dir(out)
    files = []
    if "pdf" in formats:
        files.append(write_pdf(report, folder))
    if "csv" in formats:
        files.append(write_archive(report, folder))
    report.files = files
    return files
