"""Scheduled delivery: a TOML schedule, what is due as of a date, SMTP, and a ledger.

Schedule file (TOML, read with the standard library's tomllib)::

    [[report]]
    id = "acme-weekly"            # unique; letters, digits, _ - . (a folder name under --out)
    scope = "tenant:ten_00003"    # platform | brand:<id> | tenant:<id> | team:<id>
    period = "week"               # day | week | month: the window reported
    cadence = "weekly"            # daily | weekly (Mondays) | monthly (1st)
    format = ["csv", "pdf"]       # optional, default both
    recipients = ["ops@acme.example"]

The whole schedule is validated against SCHEMA (and the ledger read) before
anything is rendered or sent. As of date A an entry is due on its latest
cadence day on or before A and reports the last whole period before that
day. The ledger (JSON lines) records each (entry id, period kind, period
start) once the mail is accepted, so a period is sent once however often
`deliver` runs; a period with no data is recorded as skipped (and tried
again on the next run). A corrupt ledger line stops delivery with its path
and line number: sending without knowing what was sent could send twice.
SMTP settings come from RETAIL_SAAS_SMTP_HOST, _PORT (default 25), _USER,
_PASSWORD, _FROM and _STARTTLS (1 to upgrade the connection).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import smtplib
import tomllib
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from . import exports
from .build import build
from .periods import PERIODS, Period, Scope
from .render import FORMATS, inside, out_dir, write
from .warehouse import ReportError, open_reader

CADENCES = ("daily", "weekly", "monthly")
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$"
SCHEMA = {
    "type": "object",
    "required": ["report"],
    "additionalProperties": False,
    "properties": {
        "report": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["id", "scope", "period", "cadence", "recipients"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "pattern": ID_PATTERN},
                    "scope": {"type": "string", "pattern": r"^(platform|(brand|tenant|team):[A-Za-z0-9_.\-]{1,64})$"},
                    "period": {"enum": list(PERIODS)},
                    "cadence": {"enum": list(CADENCES)},
                    "format": {
                        "oneOf": [
                            {"type": "string", "pattern": r"^(csv|pdf)(,(csv|pdf))?$"},
                            {"type": "array", "minItems": 1, "uniqueItems": True, "items": {"enum": list(FORMATS)}},
                        ]
                    },
                    "recipients": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "string", "pattern": r"^[^@\s,<>;]+@[^@\s,<>;]+$"},
                    },
                },
            },
        }
    },
}
HINTS = {  # clearer words than the validator's for the usual mistakes
    ("report", "type"): "must be an array of tables ([[report]] entries), not a table ([report])",
    ("id", "pattern"): "may hold letters, digits, '_', '-', '.' only (it names a folder under --out)",
    ("recipients", "type"): 'must be a list of addresses, e.g. ["ops@example.com"]',
}


@dataclass(frozen=True)
class Entry:
    id: str
    scope: Scope
    period: str
    cadence: str
    formats: tuple[str, ...]
    recipients: tuple[str, ...]

    def due_day(self, as_of: dt.date) -> dt.date:
        if self.cadence == "daily":
            return as_of
        if self.cadence == "weekly":
            return as_of - dt.timedelta(days=as_of.weekday())
        return as_of.replace(day=1)

    def due_period(self, as_of: dt.date) -> Period:
        return Period.containing(self.period, self.due_day(as_of) - dt.timedelta(days=1))


def _schema_error(path: Path, data: dict, err) -> str:
    where = list(err.absolute_path)
    place = str(path)
    if len(where) >= 2 and where[0] == "report" and isinstance(where[1], int):
        raw = data["report"][where[1]]
        ident = raw.get("id") if isinstance(raw, dict) else None
        place += f": report #{where[1] + 1}" + (f" (id {ident!r})" if isinstance(ident, str) else "")
        where = where[2:]
    field = ".".join(str(w) for w in where) or "report"
    hint = HINTS.get((str(where[0]) if where else "report", err.validator))
    return f"{place}: {field}: {hint or err.message}"


def load_schedule(path: str | Path) -> list[Entry]:
    import jsonschema

    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ReportError(f"schedule {path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ReportError(f"schedule {path}: not valid TOML ({exc})") from None
    errors = sorted(jsonschema.Draft202012Validator(SCHEMA).iter_errors(data), key=lambda e: list(map(str, e.path)))
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ReportError(_schema_error(path, data, errors[0]) + more)
    entries, seen = [], set()
    for i, raw in enumerate(data["report"]):
        if raw["id"] in seen:
            raise ReportError(f"{path}: report #{i + 1}: id {raw['id']!r} is used twice")
        seen.add(raw["id"])
        fmt = raw.get("format", list(FORMATS))
        entries.append(
            Entry(
                raw["id"],
                Scope.parse(raw["scope"]),
                raw["period"],
                raw["cadence"],
                tuple(fmt.split(",") if isinstance(fmt, str) else fmt),
                tuple(raw["recipients"]),
            )
        )
    return entries


class Ledger:
    """(entry id, period kind, period start) and its outcome, one JSON object per line."""

    KEYS = ("entry", "period", "period_start")

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.sent: set[tuple[str, str, str]] = set()
        if not self.path.exists():
            return
        for n, line in enumerate(self.path.read_text().splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                key = tuple(str(rec[k]) for k in self.KEYS)
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                why = f"missing {exc.args[0]!r}" if isinstance(exc, KeyError) else type(exc).__name__
                raise ReportError(
                    f"ledger {self.path} line {n}: corrupt ({why}); repair or delete that line "
                    "(delivery stops so that nothing is sent twice)"
                ) from None
            if rec.get("outcome", "sent") == "sent":
                self.sent.add(key)

    @staticmethod
    def key(entry: Entry, period: Period) -> tuple[str, str, str]:
        return (entry.id, period.kind, period.start.isoformat())

    def has(self, entry: Entry, period: Period) -> bool:
        return self.key(entry, period) in self.sent

    def record(self, entry: Entry, period: Period, outcome: str, files: list[Path] = ()) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rec = {
            "entry": entry.id,
            "period": period.kind,
            "period_start": period.start.isoformat(),
            "scope": str(entry.scope),
            "recipients": list(entry.recipients),
            "files": [f.name for f in files],
            "outcome": outcome,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        with self.path.open("a") as fh:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if outcome == "sent":
            self.sent.add(self.key(entry, period))


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool

    @staticmethod
    def from_env(env: dict[str, str] | None = None) -> SmtpSettings:
        env = dict(os.environ if env is None else env)
        host = env.get("RETAIL_SAAS_SMTP_HOST")
        if not host:
            raise ReportError("RETAIL_SAAS_SMTP_HOST is not set (or use --dry-run)")
        port = env.get("RETAIL_SAAS_SMTP_PORT", "25")
        if not port.isdigit():
            raise ReportError(f"RETAIL_SAAS_SMTP_PORT={port!r}: not a port number")
        return SmtpSettings(
            host,
            int(port),
            env.get("RETAIL_SAAS_SMTP_USER") or None,
            env.get("RETAIL_SAAS_SMTP_PASSWORD") or None,
            env.get("RETAIL_SAAS_SMTP_FROM", "reports@localhost"),
            env.get("RETAIL_SAAS_SMTP_STARTTLS", "0") == "1",
        )


def _message(settings: SmtpSettings, entry: Entry, report, files: list[Path]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"{report.name}: your {report.period.kind}ly report, {report.period_words}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(entry.recipients)
    msg["X-Retail-Saas-Report"] = f"{entry.id};{report.period.kind};{report.period.start.isoformat()}"
    lines = [f"{f.kpi.label}: {f.text}" + (f" ({f.change})" if f.change else "") for f in report.figures]
    msg.set_content(
        f"{report.name} – {report.period_words}\n\n"
        + "\n".join(lines)
        + "\n\nThe full report is attached"
        + (" with its figures as CSV files (zip)." if len(files) > 1 else ".")
        + "\n"
    )
    for f in files:
        kind = ("application", "pdf") if f.suffix == ".pdf" else ("application", "zip")
        msg.add_attachment(f.read_bytes(), maintype=kind[0], subtype=kind[1], filename=f.name)
    return msg


def send(settings: SmtpSettings, msg: EmailMessage) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(msg)


def _skip(entry: Entry, period: Period, reader, exc: ReportError, ledger: Ledger, export_log, dry_run: bool) -> str:
    """No data, or a scope id the warehouse does not know: recorded, not sent, tried again next run."""
    outcome = f"skipped: {exc}"
    if not dry_run:
        ledger.record(entry, period, outcome)
        _log_export(reader, export_log, entry, period, outcome)
    return outcome


def _log_export(reader, export_log, entry: Entry, period: Period, outcome: str, files=()) -> None:
    """One row of the export log for a delivery (sent or skipped)."""
    exports.record(
        reader,
        export_log,
        command="deliver",
        entry=entry.id,
        scope=entry.scope,
        period=period,
        recipients=entry.recipients,
        files=files,
        outcome=outcome,
    )


def _render_and_send(
    entry: Entry, period: Period, database, out, settings, dry_run: bool, ledger: Ledger, export_log
) -> tuple[str, list[Path]]:
    try:
        reader = open_reader(entry.scope, database)
    except ReportError as exc:
        if str(exc).startswith(f"scope {entry.scope}:"):
            return _skip(entry, period, None, exc, ledger, export_log, dry_run), []
        raise
    with reader:
        try:
            report = build(reader, entry.scope, period)
        except ReportError as exc:
            return _skip(entry, period, reader, exc, ledger, export_log, dry_run), []
        files = write(report, inside(out, entry.id, period.label), entry.formats)
        if dry_run:
            return "dry run", files
        send(settings, _message(settings, entry, report, files))
        ledger.record(entry, period, "sent", files)
        _log_export(reader, export_log, entry, period, "sent", files)
    return "sent", files


def deliver(
    schedule: str | Path,
    as_of: dt.date,
    database: str | None,
    out: str | Path,
    ledger_path: str | Path | None = None,
    settings: SmtpSettings | None = None,
    dry_run: bool = False,
    log=print,
    export_log: str | Path | None = None,
) -> list[tuple[str, Period, str]]:
    """Render and send what is due; return (entry id, period, outcome) per entry."""
    entries = load_schedule(schedule)  # everything is checked before anything is sent
    ledger = Ledger(ledger_path or Path(str(schedule) + ".ledger.jsonl"))
    export_log = export_log or ledger.path.with_suffix(".exports.jsonl")
    if not dry_run and settings is None:
        settings = SmtpSettings.from_env()
    out_dir(out)
    plan = [(e, e.due_period(as_of), inside(out, e.id)) for e in entries]
    results = []
    for entry, period, _folder in plan:
        if ledger.has(entry, period):
            results.append((entry.id, period, "already sent"))
            log(f"{entry.id}: {period.label} already sent")
            continue
        try:
            outcome, files = _render_and_send(entry, period, database, out, settings, dry_run, ledger, export_log)
        except (smtplib.SMTPException, OSError) as exc:
            outcome = f"failed: {type(exc).__name__}: {exc}"
        results.append((entry.id, period, outcome))
        if outcome == "sent":
            log(f"{entry.id}: {period.label} sent to {', '.join(entry.recipients)} ({len(files)} files)")
        elif outcome == "dry run":
            log(f"{entry.id}: {period.label} due, {len(files)} files (dry run, not sent)")
        else:
            log(f"{entry.id}: {period.label} {outcome}")
    return results
