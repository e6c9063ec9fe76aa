"""Scheduled delivery: a TOML schedule, what is due as of a date, SMTP, and a ledger.

Schedule file (TOML, read with the standard library's tomllib)::

    [[report]]
    id = "acme-weekly"            # unique; the ledger key with the period
    scope = "tenant:ten_00003"    # platform | brand:<id> | tenant:<id> | team:<id>
    period = "week"               # day | week | month: the window reported
    cadence = "weekly"            # daily | weekly (Mondays) | monthly (1st)
    format = ["csv", "pdf"]       # optional, default both
    recipients = ["ops@acme.example"]

As of date A an entry is due on its latest cadence day on or before A (A
itself for daily, the Monday of A's week for weekly, the 1st of A's month
for monthly), and it reports the last whole period before that day. The
ledger (JSON lines) records (entry id, period kind, period start) once the
mail is accepted by the server; an entry whose period is in the ledger is
not sent again, so running `deliver` twice, or every hour, sends once.
Only the latest due period is sent (no catch-up of older missed periods).
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

from .periods import PERIODS, Period, Scope
from .render import FORMATS, render

CADENCES = ("daily", "weekly", "monthly")


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


def load_schedule(path: str | Path) -> list[Entry]:
    data = tomllib.loads(Path(path).read_text())
    entries, seen = [], set()
    for i, raw in enumerate(data.get("report", [])):
        where = f"{path}: report #{i + 1}"
        try:
            ident = str(raw["id"])
            scope = Scope.parse(str(raw["scope"]))
            period = str(raw["period"])
            cadence = str(raw["cadence"])
            recipients = tuple(str(r) for r in raw["recipients"])
        except KeyError as exc:
            raise ValueError(f"{where}: missing {exc.args[0]!r}") from None
        fmt = raw.get("format", list(FORMATS))
        formats = tuple(fmt.split(",") if isinstance(fmt, str) else fmt)
        if period not in PERIODS:
            raise ValueError(f"{where}: period {period!r} not in {PERIODS}")
        if cadence not in CADENCES:
            raise ValueError(f"{where}: cadence {cadence!r} not in {CADENCES}")
        if any(f not in FORMATS for f in formats) or not formats:
            raise ValueError(f"{where}: format {formats!r}: csv and/or pdf")
        if not recipients:
            raise ValueError(f"{where}: no recipients")
        if ident in seen:
            raise ValueError(f"{where}: duplicate id {ident!r}")
        seen.add(ident)
        entries.append(Entry(ident, scope, period, cadence, formats, recipients))
    return entries


class Ledger:
    """Sent (entry id, period kind, period start), one JSON object per line."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.sent: set[tuple[str, str, str]] = set()
        if self.path.exists():
            for line in self.path.read_text().splitlines():
                if line.strip():
                    rec = json.loads(line)
                    self.sent.add((rec["entry"], rec["period"], rec["period_start"]))

    @staticmethod
    def key(entry: Entry, period: Period) -> tuple[str, str, str]:
        return (entry.id, period.kind, period.start.isoformat())

    def has(self, entry: Entry, period: Period) -> bool:
        return self.key(entry, period) in self.sent

    def record(self, entry: Entry, period: Period, recipients: tuple[str, ...], files: list[Path]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        rec = {"entry": entry.id, "period": period.kind, "period_start": period.start.isoformat(),
               "scope": str(entry.scope), "recipients": list(recipients), "files": [f.name for f in files],
               "sent_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        with self.path.open("a") as fh:
            fh.write(json.dumps(rec, sort_keys=True) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
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
            raise ValueError("RETAIL_SAAS_SMTP_HOST is not set")
        return SmtpSettings(host, int(env.get("RETAIL_SAAS_SMTP_PORT", "25")), env.get("RETAIL_SAAS_SMTP_USER") or None,
                            env.get("RETAIL_SAAS_SMTP_PASSWORD") or None,
                            env.get("RETAIL_SAAS_SMTP_FROM", "reports@localhost"),
                            env.get("RETAIL_SAAS_SMTP_STARTTLS", "0") == "1")


def _message(settings: SmtpSettings, entry: Entry, period: Period, files: list[Path]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[retail-saas] {entry.scope} {period.kind} report {period.label}"
    msg["From"] = settings.sender
    msg["To"] = ", ".join(entry.recipients)
    msg["X-Retail-Saas-Report"] = f"{entry.id};{period.kind};{period.start.isoformat()}"
    msg.set_content(f"KPI report for {entry.scope}, {period}.\nAttached: " + ", ".join(f.name for f in files) + "\n")
    for f in files:
        kind = ("application", "pdf") if f.suffix == ".pdf" else ("text", "csv")
        data = f.read_bytes()
        if kind[0] == "text":
            msg.add_attachment(data.decode("utf-8"), subtype=kind[1], filename=f.name)
        else:
            msg.add_attachment(data, maintype=kind[0], subtype=kind[1], filename=f.name)
    return msg


def send(settings: SmtpSettings, msg: EmailMessage) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=30) as smtp:
        if settings.starttls:
            smtp.starttls()
        if settings.user:
            smtp.login(settings.user, settings.password or "")
        smtp.send_message(msg)


def deliver(schedule: str | Path, as_of: dt.date, database: str | Path, out: str | Path,
            ledger_path: str | Path | None = None, settings: SmtpSettings | None = None,
            dry_run: bool = False, log=print) -> list[tuple[str, Period, str]]:
    """Render and send what is due; return (entry id, period, outcome) per entry."""
    entries = load_schedule(schedule)
    ledger = Ledger(ledger_path or Path(str(schedule) + ".ledger.jsonl"))
    if not dry_run and settings is None:
        settings = SmtpSettings.from_env()
    results = []
    for entry in entries:
        period = entry.due_period(as_of)
        if ledger.has(entry, period):
            results.append((entry.id, period, "already sent"))
            log(f"{entry.id}: {period.label} already sent")
            continue
        target = Path(out) / entry.id / period.label
        report = render(database, entry.scope, period, target, entry.formats)
        if dry_run:
            results.append((entry.id, period, "dry run"))
            log(f"{entry.id}: {period.label} due, {len(report.files)} files (dry run, not sent)")
            continue
        send(settings, _message(settings, entry, period, report.files))
        ledger.record(entry, period, entry.recipients, report.files)
        results.append((entry.id, period, "sent"))
        log(f"{entry.id}: {period.label} sent to {', '.join(entry.recipients)} ({len(report.files)} files)")
    return results
