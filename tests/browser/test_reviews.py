"""The risk review queue in the browser: a leg held at the bedside appears in the insurer's queue,
the reviewer opens it (the evidence its filing's granularity allows), approves it, and the leg
settles as its claim — once; the regulator then sees it decided, with the bill."""

from __future__ import annotations

from playwright.sync_api import Browser, expect
from sqlalchemy import select

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.services.commercial.retry import retry_due
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_console import _login
from tests.console.seed import Seeded, held_leg


def test_an_insurer_approves_a_held_leg_and_it_settles_once(live: tuple[str, Seeded], browser: Browser) -> None:
    base, seeded = live
    claim_id = held_leg(seeded)
    page = _login(browser, base, seeded.tokens["insurer"])
    page.click("nav.side a[href='/console/reviews']")
    page.wait_for_url(f"{base}/console/reviews")
    row = page.locator(f"tr.review-row[data-id='{claim_id}']")
    expect(row.locator("td.state")).to_have_text("待复核")
    row.locator("a.open-review").click()
    expect(page.locator("#findings")).to_contain_text("PRICE-001")
    expect(page.locator("#review-status")).to_have_attribute("data-status", "held")
    page.screenshot(path=str(ARTIFACTS / "review-held.png"), full_page=True)
    page.fill("#reason", "检查确有必要")
    page.click("#decide-approve")
    page.wait_for_url(f"{base}/console/reviews/leg/{claim_id}")
    expect(page.locator("#review-status")).to_have_attribute("data-status", "settled")
    expect(page.locator("#decisions")).to_contain_text("通过（检查确有必要）")
    expect(page.locator("#decide")).to_have_count(0)  # decided: no form any more
    page.screenshot(path=str(ARTIFACTS / "review-approved.png"), full_page=True)
    page.goto(f"{base}/console/reviews")
    expect(page.locator(f"tr.review-row[data-id='{claim_id}']")).to_have_count(0)  # off the open queue
    page.close()

    p = seeded.world.platform
    assert retry_due(p, everything=True)["attempted"] == 0
    with p.uow(readonly=True) as uow:
        status = uow.conn.execute(select(commercial_claims.c.status).where(commercial_claims.c.claim_id == claim_id))
        assert status.scalar_one() == "settled"
        decisions = uow.conn.execute(select(audit_entries.c.record_ids).where(audit_entries.c.action == "decision"))
        assert sum(claim_id in ids for (ids,) in decisions) == 1  # filing steps and consent grants are decisions too

    regulator = _login(browser, base, seeded.tokens["regulator"])
    regulator.goto(f"{base}/console/reviews/leg/{claim_id}")
    expect(regulator.locator("#review-status")).to_have_attribute("data-status", "settled")
    expect(regulator.locator("#bill")).to_contain_text("210300001")
    regulator.close()
