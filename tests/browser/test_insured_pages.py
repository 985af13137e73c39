"""The insured person, in a browser: opens 我的授权, revokes the settlement consent (through the
confirmation step) and sees it revoked with its effect, sees who used their data; the next stay
settled through the hospital interface shows the commercial leg pending for the revoked consent on
我的保单与结算; the hospital sees its reversal listed and opens a settlement's detail."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_console import _login
from tests.console.seed import Seeded
from tests.console.seed_insured import settle_again, settlement_consent


def test_revoke_a_consent_then_the_next_settlement_waits_and_the_hospital_sees_its_reversal(
    live: tuple[str, Seeded], browser: Browser
) -> None:
    base, seeded = live
    world = seeded.world
    consent = settlement_consent(world)
    page = _login(browser, base, seeded.tokens["insured"])
    page.click("nav.side >> text=我的授权")
    page.wait_for_url(f"{base}/console/consents")
    row = page.locator(f"tr.consent-row[data-id='{consent}']")
    expect(row.locator("td.state")).to_have_text("有效")
    row.locator("a.revoke-link").click()
    expect(page.locator("#revoke-effect")).to_contain_text("下次使用时生效")
    page.screenshot(path=str(ARTIFACTS / "insured-revoke-confirm.png"), full_page=True)
    page.click("#confirm-revoke")
    expect(page.locator("#revoked-note")).to_contain_text("下次使用时生效")
    expect(page.locator(f"tr.consent-row[data-id='{consent}'] td.state")).to_have_text("已撤回")
    page.screenshot(path=str(ARTIFACTS / "insured-consents-revoked.png"), full_page=True)

    page.click("nav.side >> text=谁用了我的数据")
    page.wait_for_url(f"{base}/console/my-data-uses")
    assert page.locator("tr.use-row").count() > 0
    expect(page.locator("#my-data-uses")).to_contain_text("已提供")
    page.screenshot(path=str(ARTIFACTS / "insured-data-uses.png"), full_page=True)

    answer = settle_again(world)  # the hospital settles the next stay (test side, over /fsi/api)
    setl_id = answer["setlinfo"]["setl_id"]  # type: ignore[index]
    page.click("nav.side >> text=我的保单与结算")
    leg = page.locator(f"tr.settlement-row[data-setl-id='{setl_id}'] .leg[data-status='pending']")
    expect(leg).to_have_attribute("data-reason", "consent_revoked")
    expect(leg).to_contain_text("参保人已撤回数据授权")
    page.screenshot(path=str(ARTIFACTS / "insured-leg-pending.png"), full_page=True)
    page.close()

    hospital = _login(browser, base, seeded.tokens["hospital"])
    reversed_id = seeded.settled["reversed"]["setlinfo"]["setl_id"]
    expect(hospital.locator("#reversals tr.settlement-row")).to_have_count(1)
    expect(hospital.locator("#reversals")).to_contain_text(reversed_id)
    hospital.screenshot(path=str(ARTIFACTS / "hospital-reversals.png"), full_page=True)
    hospital.click(f"#settlements a.detail-link[href$='{setl_id}']")
    expect(hospital.locator("#setl-id")).to_have_text(setl_id)
    expect(hospital.locator("#legs .leg[data-status='pending']")).to_have_count(1)
    expect(hospital.locator("#commercial-pending")).to_be_visible()
    hospital.screenshot(path=str(ARTIFACTS / "hospital-settlement-detail.png"), full_page=True)
    hospital.close()
