"""Every KPI doc block (models/marts/_kpi_docs.md) points at SQL that
exists: `SQL: <file>, CTE <a> → <b>` names a file whose CTEs a and b exist
and one of which computes the block's mart column. A KPI summed from flags
(is_*, has_*) also says where each flag's rule is defined:
`Rule: <file>, CTE <c>` naming the CTE that computes the flag."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from conftest import REPO

KPI_DOCS = REPO / "models" / "marts" / "_kpi_docs.md"
# `SQL: <file>, CTE <a> → <b>` (or `CTE <a>, then <b> and <c>`); a file
# named before it in parentheses, `SQL: <other> (what), <file>, CTE ...`,
# must exist too.
POINTER = re.compile(r"(SQL|Rule): (?:`[^`]+` \([^)]*\), )?`([^`]+)`, CTE ((?:`\w+`(?: → |,? then | and |, )?)+)")
EXTRA = re.compile(r"(?:SQL|Rule): `([^`]+)` \([^)]*\), `[^`]+`, CTE")


def blocks(text: str | None = None) -> dict[str, str]:
    text = KPI_DOCS.read_text() if text is None else text
    return {
        name: " ".join(body.split()) for name, body in re.findall(r"{%\s*docs\s+(kpi_\w+)\s*%}(.*?){%\s*enddocs\s*%}", text, re.S)
    }


def ctes(sql: str) -> dict[str, str]:
    """CTE name -> its body, for `name as (` at the start of a line."""
    parts = re.split(r"(?m)^,?\s*(\w+)\s+as\s*\(\s*$", sql)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def expression_of(body: str, column: str) -> str | None:
    """The select expression that ends in `as <column>` within a CTE body:
    back from the alias to the previous comma or `select` outside parentheses."""
    match = re.search(rf"\bas\s+{column}\b(?!\s*\()", body)
    if not match:
        return None
    depth, i = 0, match.start()
    while i > 0:
        i -= 1
        ch = body[i]
        depth += (ch == ")") - (ch == "(")
        if depth < 0 or (depth == 0 and ch == ","):
            break
        if depth == 0 and re.match(r"\bselect\b", body[i : i + 7]) and (i == 0 or not body[i - 1].isalnum()):
            i += 6
            break
    return body[i + 1 : match.start()]


def pointers(block: str) -> list[tuple[str, str, list[str]]]:
    return [(kind, path, re.findall(r"`(\w+)`", chain)) for kind, path, chain in POINTER.findall(block)]


def flags_of(block: str) -> tuple[str | None, set[str]]:
    """(mart column, flags its expression sums) of a block; no column for
    a KPI that counts a mart's rows."""
    named = re.search(r"`\w+\.(\w+)[^`]*`", block.split("(metric")[0])
    column = named.group(1) if named else None
    found: set[str] = set()
    if column is None:
        return None, found
    for kind, path, names in pointers(block):
        if kind != "SQL":
            continue
        defined = ctes((REPO / path).read_text())
        for name in names:
            expr = expression_of(defined.get(name, ""), column)
            if expr:
                found |= set(re.findall(r"\b((?:is|has)_\w+)", expr))
    return column, found


def test_every_block_points_at_existing_files_and_ctes():
    found = blocks()
    assert len(found) >= 130
    mart_columns = {}
    for yml in REPO.glob("models/marts/*/_*__models.yml"):
        for model in yaml.safe_load(yml.read_text()).get("models", []):
            mart_columns[model["name"]] = {c["name"] for c in model.get("columns", [])}
    bad = []
    for name, block in found.items():
        sql = [p for p in pointers(block) if p[0] == "SQL"]
        if len(sql) != 1:
            bad.append(f"{name}: {len(sql)} SQL pointers")
            continue
        bad += [f"{name}: no file {p}" for p in EXTRA.findall(block) if not (REPO / p).is_file()]
        for kind, path, names in pointers(block):
            file = REPO / path
            if not file.is_file():
                bad.append(f"{name}: no file {path}")
                continue
            defined = ctes(file.read_text())
            bad += [f"{name}: {path} has no CTE {n}" for n in names if n not in defined]
        column, _ = flags_of(block)
        _, path, names = sql[0]
        if column is None:
            continue
        defined = ctes((REPO / path).read_text())
        # computed in a named CTE, or in one whose aliases Jinja generates
        # (saas_daily's active_<actor>s_<n>d): then a column of the mart's yml
        generated = any(re.search(r"\bas\s+{{", defined.get(n, "")) for n in names)
        if not any(re.search(rf"\b{column}\b", defined.get(n, "")) for n in names) and not (
            generated and column in mart_columns.get(Path(path).stem, set())
        ):
            bad.append(f"{name}: no CTE of {path} named computes {column}")
    assert not bad, bad


def test_flag_kpis_point_at_the_rule():
    bad, flagged = [], 0
    for name, block in blocks().items():
        _, flags = flags_of(block)
        if not flags:
            continue
        flagged += 1
        rules = [(path, names) for kind, path, names in pointers(block) if kind == "Rule"]
        for flag in flags:
            defines = [(p, n) for p, names in rules for n in names if expression_of(ctes((REPO / p).read_text()).get(n, ""), flag)]
            if not defines:
                bad.append(f"{name}: no Rule pointer names the CTE that defines {flag}")
    assert flagged >= 20, flagged
    assert not bad, bad


def test_the_checks_catch_a_stale_pointer(tmp_path):
    """The parser sees a CTE that is not there (the old `sla_points`)."""
    block = (
        "`inbox_daily.sla_due` (metric `inbox_sla_due`): x. "
        "SQL: `models/marts/inbox/inbox_daily.sql`, CTE `sla_points` → `aggregated`."
    )
    ((_, path, names),) = pointers(block)
    defined = ctes((REPO / path).read_text())
    assert "aggregated" in defined and "sla_points" not in defined
    assert Path(REPO / path).is_file()
