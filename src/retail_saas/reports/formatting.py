"""Human units: counts with separators, minutes, %, MB; changes in % or
percentage points (rates)."""

from __future__ import annotations

import datetime as dt

MINUS = "\u2212"  # a real minus sign reads better than a hyphen


def count(v: float | None) -> str:
    return "–" if v is None else f"{round(v):,}"


def minutes(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    m = seconds / 60
    if m >= 120:
        return f"{m / 60:.1f} h"
    return f"{m:.1f} min"


def hours(h: float | None) -> str:
    if h is None:
        return "–"
    if h < 1:
        return f"{h * 60:.0f} min"
    return f"{h:.1f} h" if h < 48 else f"{h / 24:.1f} days"


def rate(v: float | None) -> str:
    return "–" if v is None else f"{v * 100:.1f}%"


def size(nbytes: float | None) -> str:
    if nbytes is None:
        return "–"
    for unit, div in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if nbytes >= div:
            return f"{nbytes / div:.1f} {unit}"
    return f"{round(nbytes)} B"


FORMATS = {"count": count, "minutes": minutes, "rate": rate, "bytes": size}


def value(v: float | None, unit: str) -> str:
    return FORMATS[unit](v)


def change(cur: float | None, prev: float | None, unit: str) -> tuple[str, float | None]:
    """Text and signed size of the change: percentage points for rates, else relative %."""
    if cur is None or prev is None:
        return "", None
    if unit == "rate":
        pp = (cur - prev) * 100
        return f"{'+' if pp >= 0 else MINUS}{abs(pp):.1f} pp", pp
    if prev == 0:
        return ("new" if cur else "no change"), (None if cur else 0.0)
    pct = (cur - prev) / abs(prev) * 100
    return f"{'+' if pct >= 0 else MINUS}{abs(pct):.0f}%", pct


def day(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b}"


def long_day(d: dt.date) -> str:
    return f"{d:%A} {d.day} {d:%B}"


def period_words(kind: str, start: dt.date, end: dt.date) -> str:
    last = end - dt.timedelta(days=1)
    if kind == "day":
        return f"{long_day(start)} {start.year}"
    if kind == "month":
        return f"{start:%B %Y}"
    iso = start.isocalendar()
    span = f"{start.day} {start:%b}" if start.month != last.month else f"{start.day}"
    return f"Week {iso.week}, {span} – {last.day} {last:%b %Y}"
