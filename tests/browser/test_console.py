"""Each role logs in through the real login form, sees its dashboard with charts that hold data,
switches the period (htmx), opens a slip and verifies it at /verify; a changed slip fails."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import ARTIFACTS
from tests.console.seed import Seeded

CHARTS_WITH_DATA = """() => {
  const els = [...document.querySelectorAll('[data-chart]')];
  return els.map(el => {
    const chart = echarts.getInstanceByDom(el);
    if (!chart) return {id: el.id, series: 0, points: 0};
    const series = chart.getOption().series || [];
    return {id: el.id, series: series.length, points: Math.max(0, ...series.map(s => (s.data || []).length))};
  });
}"""


def _login(browser: Any, base: str, token: str) -> Page:
    page: Page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN", reduced_motion="reduce")
    page.goto(f"{base}/console/login")
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_load_state("networkidle")
    return page


def _charts(page: Page) -> list[dict[str, Any]]:
    page.wait_for_function("() => typeof echarts !== 'undefined' && document.querySelectorAll('[data-chart]').length")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(el => echarts.getInstanceByDom(el))"
    )
    charts: list[dict[str, Any]] = page.evaluate(CHARTS_WITH_DATA)
    return charts


def test_each_role_sees_its_dashboard_with_non_empty_charts(live: tuple[str, Seeded], browser: Browser) -> None:
    base, seeded = live
    landing = {"operator": "/console/overview", "regulator": "/console/overview", "hospital": "/console/hospital",
               "insured": "/console/me"}  # fmt: skip
    for role, path in landing.items():
        page = _login(browser, base, seeded.tokens[role])
        assert page.url == f"{base}{path}", role
        charts = _charts(page)
        assert charts and all(c["series"] > 0 and c["points"] > 0 for c in charts), (role, charts)
        if role == "operator":
            assert "chart-latency" in {c["id"] for c in charts}
        page.screenshot(path=str(ARTIFACTS / f"console-{role}.png"), full_page=True)
        page.close()


def test_the_period_switch_redraws_the_panel_through_htmx(live: tuple[str, Seeded], browser: Browser) -> None:
    base, seeded = live
    page = _login(browser, base, seeded.tokens["operator"])
    page.click("text=近7天")
    expect(page.locator(".periods a.on")).to_have_text("近7天")
    page.wait_for_url(f"{base}/console/overview?days=7")
    charts = _charts(page)
    assert all(c["points"] > 0 for c in charts)
    expect(page.locator("#kpi-settlements")).to_have_text("4")
    page.close()


def test_an_insurer_sees_no_page_it_has_not_been_given(live: tuple[str, Seeded], browser: Browser) -> None:
    base, seeded = live
    page = _login(browser, base, seeded.tokens["insurer"])
    assert page.url == f"{base}/console/insurer"  # its overview (商保总览); no operator or regulator page
    expect(page.locator("nav.side")).not_to_contain_text("运营总览")
    page.goto(f"{base}/console/overview")
    expect(page.locator("main")).to_contain_text("当前角色不能打开此页面")
    page.screenshot(path=str(ARTIFACTS / "console-insurer.png"), full_page=True)
    page.close()


def test_open_a_slip_and_verify_it_then_a_changed_one_fails(live: tuple[str, Seeded], browser: Browser) -> None:
    base, seeded = live
    page = _login(browser, base, seeded.tokens["insured"])
    setl_id = seeded.inpatient_setl_id
    page.click(f"a.slip-link[href='/console/slips/{setl_id}-C']")
    expect(page.locator("#slip-id")).to_have_text(f"{setl_id}-C")
    expect(page.locator("#slip svg")).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "slip-commercial.png"), full_page=True)
    document = json.loads(page.request.get(f"{base}/console/slips/{setl_id}-C/json").text())
    page.click("#verify-link")  # the URL the QR code carries
    expect(page.locator("#verdict")).to_have_attribute("data-valid", "true")
    expect(page.locator("#slip")).to_contain_text(document["content"]["summary"]["commercial"])
    page.screenshot(path=str(ARTIFACTS / "verify-valid.png"), full_page=True)
    document["content"]["summary"]["cash"] = "0.01"
    page.fill("#document", json.dumps(document, ensure_ascii=False))
    page.click("#verify")
    expect(page.locator("#verdict")).to_have_attribute("data-valid", "false")
    page.screenshot(path=str(ARTIFACTS / "verify-tampered.png"), full_page=True)
    page.close()


def test_logout_ends_the_session(live: tuple[str, Seeded], browser: Browser) -> None:
    base, seeded = live
    page = _login(browser, base, seeded.tokens["hospital"])
    page.click("#logout")
    page.wait_for_url(f"{base}/console/login")
    page.goto(f"{base}/console/hospital")
    assert page.url.startswith(f"{base}/console/login?next=")
    page.close()
