"""Small matplotlib charts as SVG data URIs for the HTML template."""

from __future__ import annotations

import base64
import datetime as dt
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

INK, PREV, ACCENT = "#1d4e89", "#b8c4d6", "#e07a1f"
plt.rcParams.update({"svg.hashsalt": "retail-saas", "font.size": 7, "font.family": "DejaVu Sans"})


def _uri(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", transparent=True, metadata={"Date": None})
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode()


def spark(
    series: list[tuple[dt.date, float | None]],
    prev: list[tuple[dt.date, float | None]],
    current: float | None,
    previous: float | None,
) -> str | None:
    """This period's days (line) over the previous period's (grey); two bars for a single day."""
    fig, ax = plt.subplots(figsize=(1.9, 0.55))
    if len(series) <= 1:
        if current is None and previous is None:
            plt.close(fig)
            return None
        ax.barh([1, 0], [previous or 0, current or 0], color=[PREV, INK], height=0.7)
    else:
        ys = [v for _, v in series]
        if all(v is None for v in ys):
            plt.close(fig)
            return None
        py = [v for _, v in prev][: len(ys)]
        ax.plot(range(len(py)), [float("nan") if v is None else v for v in py], color=PREV, lw=1.2)
        ax.plot(range(len(ys)), [float("nan") if v is None else v for v in ys], color=INK, lw=1.6)
        ax.set_ylim(bottom=0)
    ax.set_axis_off()
    fig.subplots_adjust(0, 0.02, 1, 0.98)
    return _uri(fig)


def daily_bars(
    days: list[dt.date], series: dict[str, list[float]], ylabel: str = "", width: float = 7.2, height: float = 1.9
) -> str:
    """Stacked bars per day (one colour per series), for a section."""
    palette = [INK, ACCENT, "#5a9e6f", "#8f6bb3", "#c44e52", "#7f7f7f", "#b5a33a"]
    fig, ax = plt.subplots(figsize=(width, height))
    bottom = [0.0] * len(days)
    for i, (name, vals) in enumerate(series.items()):
        ax.bar(range(len(days)), vals, bottom=bottom, color=palette[i % len(palette)], label=name, width=0.75)
        bottom = [b + v for b, v in zip(bottom, vals)]
    step = max(1, len(days) // 10)
    ax.set_xticks(range(0, len(days), step), [f"{d.day} {d:%b}" for d in days[::step]])
    ax.spines[["top", "right"]].set_visible(False)
    ax.set_ylabel(ylabel)
    ax.grid(axis="y", alpha=0.25)
    if len(series) > 1:
        ax.legend(frameon=False, ncols=min(len(series), 6), loc="upper left", bbox_to_anchor=(0, 1.18))
    fig.tight_layout()
    return _uri(fig)


def hbars(labels: list[str], current: list[float], previous: list[float] | None = None, width: float = 7.2, fmt=None) -> str:
    """Horizontal bars, this period (blue) and the previous (grey)."""
    n = len(labels)
    fig, ax = plt.subplots(figsize=(width, 0.2 * n + 0.5))
    ys = list(range(n))
    if previous is not None:
        ax.barh([y + 0.2 for y in ys], previous, height=0.4, color=PREV, label="previous period")
        ax.barh([y - 0.2 for y in ys], current, height=0.4, color=INK, label="this period")
        ax.legend(frameon=False, loc="lower right", fontsize=6)
    else:
        ax.barh(ys, current, height=0.6, color=INK)
    ax.set_yticks(ys, labels)
    ax.invert_yaxis()
    ax.spines[["top", "right"]].set_visible(False)
    if fmt is not None:
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: fmt(v)))
    ax.grid(axis="x", alpha=0.25)
    fig.tight_layout()
    return _uri(fig)
