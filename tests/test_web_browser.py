"""The desk's page in a real browser: Debian's headless Chromium driven by
Playwright for Python against a real server on 127.0.0.1.

Chromium is Debian's ``chromium`` package at /usr/bin/chromium (never
``playwright install``); without it the test is skipped and says so.
Screenshots of the main states go to ``$SOLIDARITY_SCREENSHOTS`` (default: the
test's temporary folder) for a person to look at before merging.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed: pip install 'solidarity[web]'")
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")

from solidarity.web.app import Settings  # noqa: E402

from .conftest import SCENARIOS  # noqa: E402
from .web_server import running_desk  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed: apt-get install -y chromium")


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield b
        b.close()


def _cell(page, geo: str, col: str):
    return page.locator(f'#ob-{geo} td[data-col="{col}"]')


def test_the_desk_recomputes_the_pool_in_the_browser(browser, tmp_path):
    import solidarity

    shots = Path(os.environ.get("SOLIDARITY_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    adopted = SCENARIOS / "2026-adopted.toml"
    base = solidarity.run(solidarity.load_scenario(adopted)).tables["shares"].loc["DE", "obligation_relocations"]
    want = solidarity.run(solidarity.load_scenario(adopted, ["pool.relocations=30000"])
                          ).tables["shares"].loc["DE", "obligation_relocations"]
    assert want != base
    errors: list[str] = []
    with running_desk(Settings(workers=1)) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/")
        sync_api.expect(_cell(page, "DE", "obligation_relocations")).to_have_attribute(
            "data-value", str(base), timeout=60_000)
        sync_api.expect(page.locator("#status")).to_contain_text("Solved and verified")
        page.screenshot(path=str(shots / "1-baseline.png"), full_page=False)

        # the keyboard alone: focus the pool's relocations by its label, type the new value
        page.get_by_label("Relocations (R)").focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("30000")
        sync_api.expect(_cell(page, "DE", "obligation_relocations")).to_have_attribute(
            "data-value", str(want), timeout=60_000)
        sync_api.expect(page.locator("#ob-DE")).to_have_class("diff")
        assert "set=pool.relocations%3D30000" in page.url
        page.screenshot(path=str(shots / "2-pool-30000.png"), full_page=False)

        page.select_option("#explain-state", "DE")
        page.click("#explain")
        sync_api.expect(page.locator("#explanation")).to_contain_text("Germany (DE)", timeout=30_000)
        page.locator("#explanation").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "3-explanation.png"), full_page=False)

        with page.expect_download() as dl:
            page.get_by_text("Workbook: every table (xlsx)").click()
        saved = tmp_path / "tables.xlsx"
        dl.value.save_as(saved)
        assert saved.read_bytes()[:2] == b"PK"

        # a colleague opening the same address sees the same run
        other = browser.new_page(viewport={"width": 1400, "height": 1000})
        other.goto(page.url)
        sync_api.expect(_cell(other, "DE", "obligation_relocations")).to_have_attribute(
            "data-value", str(want), timeout=60_000)
        other.close()
        page.close()
    assert errors == []


def test_a_recorded_pledge_of_money_only_changes_the_pledges(browser, tmp_path):
    """France's recorded pledge set to money only, its whole obligation, on the
    page: France's pledges become the library's (0 relocations, the
    obligation in money, source recorded), and so do Germany's, which take up
    the relocations France no longer pledges."""
    import solidarity

    shots = Path(os.environ.get("SOLIDARITY_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    adopted = SCENARIOS / "2026-adopted.toml"
    owed = int(solidarity.run(solidarity.load_scenario(adopted)).tables["obligations"].loc["FR", "obligation_eur"])
    sets = ["states.FR.fixed.relocations=0", f"states.FR.fixed.financial_eur={owed}"]
    want = solidarity.run(solidarity.load_scenario(adopted, sets)).tables["pledges"]
    assert want.loc[("FR", "financial"), "units"] == owed and want.loc[("FR", "relocation"), "units"] == 0
    errors: list[str] = []
    with running_desk(Settings(workers=1)) as (url, _):
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(url + "/")
        sync_api.expect(page.locator("#status")).to_contain_text("Solved and verified", timeout=60_000)
        sync_api.expect(page.locator('#pl-FR td[data-col="relocation"]')).not_to_have_attribute("data-value", "0")

        page.locator("#state-FR > summary").click()  # open France's controls
        page.get_by_label("France (FR): recorded pledge, relocations").fill("0")
        page.get_by_label("France (FR): recorded pledge, money (EUR)").fill(str(owed))
        for geo in ("FR", "DE"):
            for kind in ("relocation", "financial"):
                sync_api.expect(page.locator(f'#pl-{geo} td[data-col="{kind}"]')).to_have_attribute(
                    "data-value", str(want.loc[(geo, kind), "units"]), timeout=60_000)
        sync_api.expect(page.locator("#pl-FR")).to_contain_text("recorded (was assumed)")
        sync_api.expect(page.locator("#state-FR")).to_have_class("changed")
        assert "set=states.FR.fixed.financial_eur%3D" + str(owed) in page.url
        page.locator("#state-pledges").scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "4-france-money-only.png"), full_page=False)

        # the changed run's obligations chart, drawn by the server from the same tables
        chart = page.locator("#chart-obligations")
        assert chart.get_attribute("src").endswith("/charts/obligations.png")
        chart.scroll_into_view_if_needed()
        deadline = time.monotonic() + 60  # polled from here: wait_for_function needs eval, which the CSP forbids
        while not chart.evaluate("img => img.complete && img.naturalWidth > 0") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert chart.evaluate("img => img.naturalWidth") > 0
        page.screenshot(path=str(shots / "5-chart.png"), full_page=False)
        page.close()
    assert errors == []
