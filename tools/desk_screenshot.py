"""Take docs/web-desk.png: the web desk in Debian's headless Chromium, with
the pool raised to 30 000 relocations and France's recorded pledge set to
money only (EUR 67 228 662, its obligation in the adopted pool): the README's
and docs/web.md's screenshot. Run from the repository: ``python tools/desk_screenshot.py``.
Needs the web extra and Playwright for Python; never ``playwright install``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SETS = "set=states.FR.fixed.relocations%3D0&set=states.FR.fixed.financial_eur%3D67228662&set=pool.relocations%3D30000"


def main(out: Path = ROOT / "docs" / "web-desk.png") -> None:
    from playwright.sync_api import expect, sync_playwright
    from web_server import running_desk

    from solidarity.web.app import Settings

    with running_desk(Settings(workers=1)) as (url, _), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        page.goto(f"{url}/?scenario=2026-adopted&{SETS}")
        expect(page.locator("#status")).to_contain_text("Solved and verified", timeout=60_000)
        expect(page.locator("#pl-FR")).to_contain_text("recorded", timeout=60_000)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(out), full_page=False)
        browser.close()
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
