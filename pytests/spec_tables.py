"""The shared spec (raw_contract.md, kpis.md) read as data: its raw tables
with their columns and value lists, its public marts with grain and
columns. Found at RETAIL_SAAS_SPEC_DIR, else ../shared/spec beside the
clone (where CI puts it)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from conftest import REPO


def spec_dir() -> Path | None:
    for cand in (os.environ.get("RETAIL_SAAS_SPEC_DIR"), REPO.parent / "shared" / "spec"):
        if cand and (Path(cand) / "raw_contract.md").is_file() and (Path(cand) / "kpis.md").is_file():
            return Path(cand)
    return None


@dataclass
class RawTable:
    name: str
    key: list[str]
    columns: list[str]
    lists: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Mart:
    name: str
    grain: list[str]
    columns: list[str]


def _split_top(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p.strip() for p in parts + [cur] if p.strip()]


def _column(segment: str) -> tuple[str, list[str]]:
    name = re.match(r"`?(\w+)", segment).group(1)
    lst = re.search(r"\(\s*(`[^`]+`(?:\s*/\s*`[^`]+`)+)", segment)
    return name, re.findall(r"`([^`]+)`", lst.group(1)) if lst else []


def raw_tables(spec: Path) -> dict[str, RawTable]:
    text = (spec / "raw_contract.md").read_text()
    out: dict[str, RawTable] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("| ") else []
        if not cells or cells[0] in ("table", "---") or set(cells[0]) <= set("-"):
            continue
        if "`app` tables" in section and len(cells) == 2:
            segs = _split_top(cells[1].split(" — ")[0])
            cols = [_column(s) for s in segs]
            out[cells[0]] = RawTable(cells[0], [cols[0][0]], [c for c, _ in cols], {c: v for c, v in cols if v})
        elif "Event logs" in section and len(cells) == 3:
            key = re.findall(r"\w+", cells[1])
            segs = _split_top(cells[2].split(" — ")[0])
            cols = [_column(s) for s in segs]
            names = [c for c, _ in cols]
            names = [k for k in key if k not in names] + names + ["_loaded_at"]
            out[cells[0]] = RawTable(cells[0], key, names, {c: v for c, v in cols if v})
    keys = re.search(r"brand_retailers \(brand_id, tenant_id\); sla_policies \(tenant_id, channel\)", text)
    if keys:
        out["brand_retailers"].key = ["brand_id", "tenant_id"]
        out["sla_policies"].key = ["tenant_id", "channel"]
    if "`subscription_log.plan`" in text:
        out["subscription_log"].lists["plan"] = out["tenants"].lists["plan"]
    if "`sla_policies.channel` (the message channels)" in text.replace("\n", " "):
        out["sla_policies"].lists["channel"] = out["raw_message"].lists["channel"]
    grades = re.search(r"`contact_grades` \((`\w+`(?: < `\w+`)+)\)", text)
    if grades:
        out["contacts"].lists["grade"] = re.findall(r"`(\w+)`", grades.group(1))
    return out


def marts(spec: Path) -> dict[str, Mart]:
    out: dict[str, Mart] = {}
    in_marts = False
    for line in (spec / "kpis.md").read_text().splitlines():
        if line.startswith("## "):
            in_marts = line.strip() == "## Marts"
        m = re.match(r"\| `(\w+)` \| ([^|]+) \| ([^|]+) \|", line)
        if in_marts and m:
            grain = [g.strip() for g in m.group(2).split(",")]
            cols = [_column(s)[0] for s in _split_top(m.group(3).split(" — ")[0])]
            out[m.group(1)] = Mart(m.group(1), grain, cols)
    return out
