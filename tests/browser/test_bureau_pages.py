"""The bureau's pages in the browser: the regulator opens its filing review queue, approves the
submitted version of 烟台市民健康保 through the form (route, granularity, window) and sees it
approved; the operator opens the clearing window page (positions, instruction files) and the
reserve page with a chart that holds data. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_console import _charts, _login
from tests.console.seed import Seeded
from tests.console.seed_bureau import Bureau, seed_bureau


@pytest.fixture(scope="module")
def bureau(live: tuple[str, Seeded]) -> Bureau:
    return seed_bureau(live[1])


def test_the_regulator_approves_a_submitted_filing_through_the_form(
    live: tuple[str, Seeded], bureau: Bureau, browser: Browser
) -> None:
    base, seeded = live
    page = _login(browser, base, seeded.tokens["regulator"])
    page.click("nav.side a[href='/console/filings']")
    first = page.locator("tr.filing-row").first
    expect(first).to_have_attribute("data-id", str(bureau.submitted_filing))
    expect(first.locator("td.state")).to_have_text("待审核")
    expect(page.locator("#waiting-count")).to_have_text("1")
    page.screenshot(path=str(ARTIFACTS / "bureau-filing-queue.png"), full_page=True)
    first.locator("a.open-filing").click()
    page.wait_for_url(f"{base}/console/filings/{bureau.submitted_filing}")
    expect(page.locator("table.rule-summary").first).to_contain_text("住院医保范围内个人自付")
    page.select_option("#approve-route", "embedded")
    page.select_option("#approve-granularity", "result")
    page.fill("#approved-from", "2025-01-01")
    page.fill("#approved-to", "2026-12-31")
    page.click("#approve")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#filing-status")).to_have_attribute("data-status", "approved")
    expect(page.locator("#filing-status")).to_have_text("已批准")
    expect(page.locator("#filing-window")).to_have_text("2025-01-01 至 2026-12-31")
    expect(page.locator("#filing-events")).to_contain_text("已批准")
    expect(page.locator("#approve-form")).to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "bureau-filing-approved.png"), full_page=True)
    page.click("text=返回备案审核列表")
    row = page.locator(f"tr.filing-row[data-id='{bureau.submitted_filing}']")
    expect(row.locator("td.state")).to_have_text("已批准")
    expect(page.locator("#waiting-count")).to_have_text("0")
    page.close()


def test_the_operator_opens_the_clearing_window_and_the_reserve_chart(
    live: tuple[str, Seeded], bureau: Bureau, browser: Browser
) -> None:
    base, seeded = live
    page = _login(browser, base, seeded.tokens["operator"])
    page.click("nav.side a[href='/console/clearing']")
    window = page.locator(f"tr.window-row[data-id='{bureau.window_id}']")
    expect(window.locator("td.state")).to_have_text("待划拨")
    expect(page.locator("#chosen-window")).to_have_text(bureau.window_id)
    expect(page.locator("tr.position-row")).to_have_count(4)
    with page.expect_download() as download:
        page.click("#download-csv")
    assert download.value.suggested_filename == f"{bureau.window_id}-instructions.csv"
    page.screenshot(path=str(ARTIFACTS / "bureau-clearing.png"), full_page=True)

    page.click("nav.side a[href='/console/reserves']")
    page.wait_for_url(f"{base}/console/reserves")
    charts = _charts(page)
    assert [c["id"] for c in charts] == ["chart-reserves"]
    assert charts[0]["series"] == 3 and charts[0]["points"] == 2, charts
    expect(page.locator("tr.alert-row")).to_have_count(1)
    page.screenshot(path=str(ARTIFACTS / "bureau-reserves.png"), full_page=True)
    page.close()
