"""Time zones and seasonality: when do tenants' users and customers act.

Event times are drawn in the tenant's local wall-clock time (weekday and
hour-of-day profiles) and converted to UTC with the zone's real offset on
that day, so half-hour zones and southern-hemisphere DST come out right.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np

from .config import DAY, HOUR, US

# (IANA zone, country, currency, relative frequency among tenants)
TIMEZONES: list[tuple[str, str, str, float]] = [
    ("Europe/Paris", "FR", "EUR", 10),
    ("Europe/London", "GB", "GBP", 9),
    ("Europe/Berlin", "DE", "EUR", 8),
    ("Europe/Madrid", "ES", "EUR", 4),
    ("Europe/Amsterdam", "NL", "EUR", 3),
    ("Europe/Stockholm", "SE", "SEK", 2),
    ("America/New_York", "US", "USD", 12),
    ("America/Chicago", "US", "USD", 6),
    ("America/Denver", "US", "USD", 3),
    ("America/Los_Angeles", "US", "USD", 8),
    ("America/Toronto", "CA", "CAD", 4),
    ("America/St_Johns", "CA", "CAD", 1),
    ("America/Sao_Paulo", "BR", "BRL", 3),
    ("America/Santiago", "CL", "CLP", 1.5),
    ("America/Mexico_City", "MX", "MXN", 2),
    ("Asia/Kolkata", "IN", "INR", 4),
    ("Asia/Kathmandu", "NP", "NPR", 1),
    ("Asia/Tokyo", "JP", "JPY", 3),
    ("Asia/Singapore", "SG", "SGD", 2),
    ("Asia/Dubai", "AE", "AED", 2),
    ("Australia/Sydney", "AU", "AUD", 4),
    ("Australia/Adelaide", "AU", "AUD", 1.5),
    ("Australia/Perth", "AU", "AUD", 1),
    ("Pacific/Auckland", "NZ", "NZD", 2),
    ("Africa/Johannesburg", "ZA", "ZAR", 1.5),
]
# Zones every lake must contain, whatever its size (edge cases for local dates).
MUST_HAVE_ZONES = [
    "Asia/Kolkata",
    "Australia/Adelaide",
    "America/St_Johns",
    "Asia/Kathmandu",
    "Australia/Sydney",
    "America/Santiago",
    "Pacific/Auckland",
]


def _norm(values: list[float]) -> np.ndarray:
    arr = np.asarray(values, dtype=float)
    return arr / arr.sum()


# Hour-of-day weights (local time). Staff work office hours; shoppers write
# all day with an evening peak.
HOUR_PROFILES: dict[str, np.ndarray] = {
    "business": _norm([0.3, 0.2, 0.1, 0.1, 0.1, 0.3, 1, 3, 6, 9, 10, 10, 7, 8, 10, 10, 9, 7, 4, 3, 2, 1.5, 1, 0.6]),
    "customer": _norm([1.5, 1, 0.6, 0.4, 0.3, 0.5, 1.5, 3, 5, 6, 7, 7, 7.5, 7, 6.5, 6.5, 7, 7.5, 8, 9, 9, 8, 5, 3]),
}
# Acceptance weights Monday..Sunday.
WEEKDAY_PROFILES: dict[str, np.ndarray] = {
    "business": np.array([1.0, 1.0, 0.97, 0.97, 0.9, 0.35, 0.25]),
    "customer": np.array([1.0, 0.95, 0.95, 0.95, 0.95, 0.85, 0.8]),
}


def utc_offsets_seconds(zones: list[str], start: dt.date, n_days: int) -> np.ndarray:
    """Offset (seconds east of UTC) at local noon for days -1 .. n_days of the window.

    Shape (len(zones), n_days + 2); column 0 is the day before the start.
    Noon avoids the ambiguous DST-change hours.
    """
    out = np.zeros((len(zones), n_days + 2), dtype=np.int64)
    for i, name in enumerate(zones):
        zone = ZoneInfo(name)
        for d in range(n_days + 2):
            day = start + dt.timedelta(days=d - 1)
            noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone)
            out[i, d] = int(noon.utcoffset().total_seconds())
    return out


class LocalClock:
    """Draws UTC event times in tenants' local business or customer rhythm."""

    def __init__(self, start_day: int, n_days: int, tz_index: np.ndarray, offsets: np.ndarray):
        self.start_day = start_day  # window start, days since epoch
        self.n_days = n_days
        self.tz_index = tz_index  # per tenant, row into offsets
        self.offsets = offsets

    def sample(
        self,
        rng: np.random.Generator,
        tenant: np.ndarray,
        lo: np.ndarray,
        hi: np.ndarray,
        profile: str = "business",
    ) -> np.ndarray:
        """One UTC time (µs) per row in [lo, hi) for that row's tenant.

        Rejection sampling: draw a local day and hour, keep it when it falls in
        the window and passes the weekday weight; a uniform time is the
        fallback for windows too short to hit.
        """
        n = len(tenant)
        out = np.empty(n, dtype=np.int64)
        todo = np.arange(n)
        hours_p = HOUR_PROFILES[profile]
        weekday_w = WEEKDAY_PROFILES[profile]
        base_s = self.start_day * 86_400
        for _ in range(40):
            if todo.size == 0:
                break
            t_lo, t_hi = lo[todo], hi[todo]
            d_lo = np.clip((t_lo - base_s * US) // DAY - 1, -1, self.n_days)
            d_hi = np.clip((t_hi - base_s * US) // DAY + 1, -1, self.n_days)
            day = d_lo + np.floor(rng.random(todo.size) * (d_hi - d_lo + 1)).astype(np.int64)
            day = np.minimum(day, self.n_days)
            hour = rng.choice(24, size=todo.size, p=hours_p)
            local_us = (base_s + day * 86_400 + hour * 3_600) * US + rng.integers(0, HOUR, todo.size)
            utc_us = local_us - self.offsets[self.tz_index[tenant[todo]], day + 1] * US
            weekday = (self.start_day + day + 3) % 7  # 1970-01-01 was a Thursday
            ok = (utc_us >= t_lo) & (utc_us < t_hi) & (rng.random(todo.size) < weekday_w[weekday])
            out[todo[ok]] = utc_us[ok]
            todo = todo[~ok]
        if todo.size:
            span = np.maximum(hi[todo] - lo[todo], 1)
            out[todo] = lo[todo] + (rng.random(todo.size) * span).astype(np.int64)
        return out
