"""The static docs site (`dbt docs generate --static`) opens in headless
Chromium: a public mart's page lists its columns, the lineage graph
renders, and a screenshot of it (artifacts/docs_lineage.png) is a
non-blank PNG. Chromium comes from Debian (`apt-get install chromium`)
when missing; under CI=true a browser that cannot be had fails the test."""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from collections import Counter
from pathlib import Path

import pytest

from conftest import REPO
from docs_build import docs_build

MART = "model.retail_saas.inbox_daily.v1"
ARTIFACTS = REPO / "artifacts"


def chromium() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    problem = "chromium is not installed and cannot be installed (not root)"
    if os.geteuid() == 0:
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        proc = subprocess.run(
            "apt-get update -qq && apt-get install -y -qq chromium", shell=True, env=env, capture_output=True, text=True
        )
        found = shutil.which("chromium")
        if found:
            return found
        problem = f"apt-get install chromium failed:\n{proc.stderr[-2000:]}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(problem)
    pytest.skip(problem)


def run_chromium(browser: str, profile: Path, url: str, *args: str) -> str:
    cmd = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,900",
        "--virtual-time-budget=20000",
        *args,
        url,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG into rows of pixels (RGB triplets)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color = header[:4]
    assert depth == 8 and color in (2, 6), header
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], None
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        rows.append(bytes(line) if bpp == 3 else bytes(v for i, v in enumerate(line) if i % 4 != 3))
        prev = line
    return width, height, rows


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    browser = chromium()
    build = docs_build(tmp_path_factory)
    index = build.target / "static_index.html"
    assert index.exists(), "dbt docs generate --static wrote no site"
    manifest = json.loads((build.target / "manifest.json").read_text())
    return browser, index, manifest, tmp_path_factory.mktemp("chromium")


@pytest.fixture(scope="module")
def mart_page(site):
    """The public mart's page as rendered (scripts removed)."""
    browser, index, _, profile = site
    dom = run_chromium(browser, profile / "columns", f"{index.as_uri()}#!/model/{MART}", "--dump-dom")
    return re.sub(r"<script.*?</script>", "", dom, flags=re.S)


def test_public_mart_page_lists_its_columns(site, mart_page):
    manifest = site[2]
    body = mart_page
    shown = re.findall(
        r'class="column-row[^"]*"[^>]*>\s*<td>\s*<div>\s*'
        r'<span class="text-dark ng-binding">(\w+)</span>',
        body,
    )
    expected = list(manifest["nodes"][MART]["columns"])
    assert shown[: len(expected)] == expected, shown


def test_lineage_graph_renders_and_screenshot_is_not_blank(site):
    browser, index, _, profile = site
    url = f"{index.as_uri()}#!/model/{MART}?g_v=1"
    dom = run_chromium(browser, profile / "graph", url, "--dump-dom")
    sizes = re.findall(
        r'<canvas[^>]*data-id="layer2-node"[^>]*'
        r'width="(\d+)" height="(\d+)"',
        dom,
    )
    assert sizes and all(int(w) > 100 and int(h) > 100 for w, h in sizes), f"lineage graph canvas not drawn: {sizes}"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "docs_lineage.png"
    shot.unlink(missing_ok=True)
    run_chromium(browser, profile / "shot", url, f"--screenshot={shot}")
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1400, 900)
    pixels = [row[i : i + 3] for row in rows[::4] for i in range(0, len(row), 12)]
    colours = Counter(pixels)
    background, count = colours.most_common(1)[0]
    other = 1 - count / len(pixels)
    assert len(colours) > 20 and other > 0.02, (len(colours), other)


def test_public_mart_page_shows_its_governance(site, mart_page):
    """The mart's page shows the owner of its group, its access, version,
    enforced contract and the unversioned relation readers use; the
    navigation's group tree lists it under its group."""
    manifest = site[2]
    node = manifest["nodes"][MART]
    owner = manifest["groups"][f"group.retail_saas.{node['group']}"]["owner"]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"<wbr\s*/?>", "", mart_page)))
    assert (node["group"], owner["name"]) == ("inbox", "Inbox product analytics")
    details = re.search(r"Owner (.+?) Type table .*? Relation (\S+) Access (\w+) Version (\S+) Contract (\w+)", text)
    assert details, text[:2000]
    assert details.group(1).startswith(owner["name"])
    assert details.group(2).endswith("marts.inbox_daily")
    assert details.groups()[2:] == ("public", "1", "Enforced")
    # the group tree: each model link by its title (its label is split by the page)
    tree = mart_page[mart_page.index("Public Models") :]
    tree = re.sub(r'<a [^>]*title="(\w+)"[^>]*>.*?</a>', r" \1 ", tree, flags=re.S)
    tree = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", tree))
    assert re.search(r" inbox fct_messages_v1 inbox_daily_v1 ", tree), tree[:1500]
