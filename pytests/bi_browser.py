"""Open Superset dashboards in headless Chromium (Debian's /usr/bin/chromium,
driven by the playwright package of .venv-bi; no browser download) and
report, per dashboard, the chart tiles, their error tiles, the warning icons
of their headers (with the tooltip) and a screenshot.

    .venv-bi/bin/python pytests/bi_browser.py BASE LOGIN PASSWORD OUT SLUG...

Prints one JSON object: {slug: {"charts": n, "rendered": n, "errors": [..],
"warnings": ["<chart>: <tooltip>", ..],
"seconds": s, "screenshot": path}}. Run by pytests/test_bi.py; the README's
screenshot (docs/images/bi_retailer_overview.png) is its retailer-overview
shot of demo_retailer on the scale-1 marts, cut to 1340 px."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# what a chart tile shows when its query or rendering failed
ERROR_TILE = (
    ".chart-container .alert-danger, .chart-container .ant-alert-error, "
    ".dashboard-chart .ant-alert-error, .dashboard-chart [data-test=error-tile]"
)
# a warning in a chart's header: the row limit reached ("The chart may
# show partial data"), annotation errors, ... (the tooltip says which)
WARNING_ICON = ".dashboard-component-chart-holder .anticon-warning, .dashboard-component-chart-holder .anticon-exclamation-circle"
RENDERED = (
    "canvas, svg, table, .big_number, .superset-legacy-chart-big-number, "
    ".header-line, [data-test=no-results], .no-results, .empty-state, .ant-empty"
)


def warning_of(page, icon) -> str:
    """'<chart title>: <the icon's tooltip>'."""
    title = icon.evaluate(
        """e => (e.closest('.dashboard-component-chart-holder')
                   ?.querySelector('.header-title')?.innerText || '?').trim()"""
    )
    icon.scroll_into_view_if_needed()
    icon.hover()
    page.wait_for_timeout(700)
    tips = [t.inner_text() for t in page.locator(".ant-tooltip:not(.ant-tooltip-hidden)").all()]
    page.mouse.move(0, 0)
    return f"{title}: {' '.join(tips).strip() or icon.get_attribute('aria-label')}"


def open_dashboard(page, base: str, slug: str, out: Path, timeout_s: float = 180) -> dict:
    start = time.monotonic()
    page.goto(f"{base}/superset/dashboard/{slug}/?standalone=1", wait_until="domcontentloaded")
    page.wait_for_selector(".dashboard-component-chart-holder", timeout=timeout_s * 1000)
    holders = page.locator(".dashboard-component-chart-holder")
    # every tile done: no loading spinner left, each holds a chart or a message
    while time.monotonic() - start < timeout_s:
        loading = page.locator(".dashboard-component-chart-holder .loading").count()
        done = page.evaluate(
            """([sel]) => [...document.querySelectorAll('.dashboard-component-chart-holder')]
                 .filter(h => h.querySelector(sel) || h.querySelector('.alert-danger,'
                   + '.ant-alert-error')).length""",
            [RENDERED],
        )
        if loading == 0 and done == holders.count():
            break
        page.wait_for_timeout(500)
    # charts below the fold draw when scrolled to; then let animations settle
    page.mouse.wheel(0, 10_000)
    page.wait_for_timeout(1500)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(1500)
    errors = [e.inner_text()[:300] for e in page.locator(ERROR_TILE).all()]
    warnings = [warning_of(page, icon) for icon in page.locator(WARNING_ICON).all()]
    shot = out / f"{slug}.png"
    page.screenshot(path=str(shot), full_page=True)
    rendered = page.evaluate(
        """([sel]) => [...document.querySelectorAll('.dashboard-component-chart-holder')]
             .filter(h => h.querySelector(sel)).length""",
        [RENDERED],
    )
    return {
        "charts": holders.count(),
        "rendered": rendered,
        "errors": errors,
        "warnings": warnings,
        "seconds": round(time.monotonic() - start, 1),
        "screenshot": str(shot),
    }


def main(base: str, login: str, password: str, out: str, *slugs: str) -> int:
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(180_000)  # a busy 2-core machine
        page.set_default_navigation_timeout(180_000)
        page.goto(f"{base}/login/")
        page.fill("#username", login)
        page.fill("#password", password)
        page.keyboard.press("Enter")
        page.wait_for_url(lambda url: "/login" not in url, timeout=60000)
        for slug in slugs:
            report[slug] = open_dashboard(page, base, slug, out_dir)
            first = report[slug]
            if first["charts"] == 0 or first["rendered"] < first["charts"] or first["errors"]:
                # once more on a fresh load (a reset connection on a busy
                # machine); a real failure fails twice and is reported
                report[slug] = open_dashboard(page, base, slug, out_dir)
                report[slug]["first_try"] = {k: first[k] for k in ("charts", "rendered", "errors")}
        browser.close()
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
