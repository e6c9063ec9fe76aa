"""Scopes (`platform`, `brand:<id>`, `tenant:<id>`, `team:<id>`) and periods (day, week, month)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

SCOPE_KINDS = ("platform", "brand", "tenant", "team")
PERIODS = ("day", "week", "month")
_ID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class Scope:
    kind: str
    id: str | None = None

    @staticmethod
    def parse(text: str) -> Scope:
        text = text.strip()
        if text == "platform":
            return Scope("platform")
        kind, sep, ident = text.partition(":")
        if not sep or kind not in SCOPE_KINDS[1:] or not ident:
            raise ValueError(f"scope {text!r}: expected platform, brand:<id>, tenant:<id> or team:<id>")
        if not _ID.match(ident):  # ids go to SQL as parameters anyway; this keeps file names sane
            raise ValueError(f"scope {text!r}: id may hold letters, digits, '_', '-', '.' only")
        return Scope(kind, ident)

    def __str__(self) -> str:
        return self.kind if self.id is None else f"{self.kind}:{self.id}"

    @property
    def slug(self) -> str:
        return self.kind if self.id is None else f"{self.kind}-{self.id}"


@dataclass
class Period:
    """[start, end) in calendar days; `kind` day, week (Monday to Sunday) or month."""

    kind: str
    start: dt.date
    end: dt.date
    previous_start: dt.date | None = None  # set by containing(): checks the calendar has it

    @staticmethod
    def containing(kind: str, day: dt.date) -> Period:
        try:
            period = Period._containing(kind, day)
            period.previous_start = Period._containing(kind, period.start - dt.timedelta(days=1)).start
        except OverflowError:
            raise ValueError(f"date {day}: the {kind} or the one before it falls outside the calendar") from None
        return period

    @staticmethod
    def _containing(kind: str, day: dt.date) -> Period:
        if kind == "day":
            return Period(kind, day, day + dt.timedelta(days=1))
        if kind == "week":
            start = day - dt.timedelta(days=day.weekday())
            return Period(kind, start, start + dt.timedelta(days=7))
        if kind == "month":
            start = day.replace(day=1)
            nxt = (start + dt.timedelta(days=32)).replace(day=1)
            return Period(kind, start, nxt)
        raise ValueError(f"period {kind!r}: expected one of {PERIODS}")

    def previous(self) -> Period:
        try:
            return Period._containing(self.kind, self.start - dt.timedelta(days=1))
        except OverflowError:
            raise ValueError(f"{self.kind} {self.label}: the one before it falls outside the calendar") from None

    @property
    def label(self) -> str:
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "week":
            iso = self.start.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return self.start.strftime("%Y-%m")

    def __str__(self) -> str:
        return f"{self.kind} {self.label} [{self.start} .. {self.end - dt.timedelta(days=1)}]"
