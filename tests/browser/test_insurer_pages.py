"""The insurer in the browser: it lands on its overview with charts that hold data, downloads its
monthly statement (CSV and XLSX both parse, and add up to what its product paid in the
settlements), takes its filed product's rule file and replays it as a candidate over the seeded
period — the job page polls (htmx) until the figures are there, and the replay pays what the
product paid. Screenshots go to ``test-artifacts/``."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from syncsettle.adapters.statement_files import read
from syncsettle.money import format_yuan, parse_yuan
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_console import _charts, _login
from tests.console.seed import PRODUCT, Seeded
from tests.console.seed_insurer import product_paid, seed_insurer


@pytest.fixture(scope="module")
def insurer_live(live: tuple[str, Seeded]) -> tuple[str, Seeded]:
    """The served world with the insurer's enrollments and paid stays added (:mod:`tests.console.seed_insurer`)."""
    base, seeded = live
    return base, seed_insurer(seeded)


def _paid(seeded: Seeded) -> str:
    return format_yuan(product_paid(seeded))


def _download(page: Page, selector: str, to: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(to)
    return to


def test_the_insurer_lands_on_its_overview_with_charts_that_hold_data(
    insurer_live: tuple[str, Seeded], browser: Browser
) -> None:
    base, seeded = insurer_live
    page = _login(browser, base, seeded.tokens["insurer"])
    assert page.url == f"{base}/console/insurer"
    charts = _charts(page)
    assert {c["id"] for c in charts} == {"chart-enrollments", "chart-claims", "chart-loss-ratio"}
    assert all(c["series"] > 0 and c["points"] > 0 for c in charts), charts
    expect(page.locator("#kpi-paid")).to_have_text(_paid(seeded))
    page.screenshot(path=str(ARTIFACTS / "insurer-overview.png"), full_page=True)
    page.close()


def test_the_insurer_downloads_its_statement_as_csv_and_xlsx(
    insurer_live: tuple[str, Seeded], browser: Browser, tmp_path: Path
) -> None:
    base, seeded = insurer_live
    page = _login(browser, base, seeded.tokens["insurer"])
    page.click("nav.side >> text=对账单与备付金")
    page.select_option("#month", "2025-06")
    page.wait_for_url(f"{base}/console/insurer/statements?month=2025-06")
    paid = _paid(seeded)
    expect(page.locator("#statement-total")).to_have_text(paid)
    page.screenshot(path=str(ARTIFACTS / "insurer-statements.png"), full_page=True)
    for fmt in ("csv", "xlsx"):
        rows = read(_download(page, f"#download-{fmt}", tmp_path / f"statement.{fmt}"))
        assert rows and {r["product_id"] for r in rows} == {PRODUCT}
        assert format_yuan(sum(parse_yuan(r["payable"], allow_negative=True) for r in rows)) == paid, fmt
    page.close()


def test_the_insurer_replays_its_filed_product_and_sees_the_figures(
    insurer_live: tuple[str, Seeded], browser: Browser, tmp_path: Path
) -> None:
    base, seeded = insurer_live
    page = _login(browser, base, seeded.tokens["insurer"])
    page.click("nav.side >> text=我的产品")
    page.click(f"tr.filing-row[data-product='{PRODUCT}'] a.open-filing")
    rules = _download(page, "#rule-file", tmp_path / "candidate.yaml")
    page.click("text=以此产品为参照做产品测算")
    page.set_input_files("#candidate", str(rules))
    page.fill("#premium", "129.00")
    page.fill("#from", "2025-06-01")
    page.fill("#to", "2025-06-30")
    expect(page.locator("#replaces")).to_have_value(PRODUCT)
    page.click("#submit-replay")
    page.wait_for_url(f"{base}/console/replays/JB*")
    expect(page.locator("#job")).to_have_attribute("data-status", "done", timeout=60_000)  # polled by htmx
    paid = _paid(seeded)
    expect(page.locator("#expected-payout")).to_have_text(paid)  # the filed rules pay what was paid
    expect(page.locator("#replaced-paid")).to_have_text(paid)
    expect(page.locator("#loss-ratio")).not_to_have_text("—")
    expect(page.locator("#responsibility-share tbody tr")).not_to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "insurer-replay.png"), full_page=True)
    page.goto(f"{base}/console/actuarial?run=1&product={PRODUCT}&by=sex&from=2025-01-01&to=2025-06-30")
    expect(page.locator("#aggregates tr.released")).not_to_have_count(0)
    page.screenshot(path=str(ARTIFACTS / "insurer-actuarial.png"), full_page=True)
    page.close()
