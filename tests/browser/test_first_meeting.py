"""What each role meets first, in a real browser at a desktop width (1400 px) and a phone's (390 px):
a screenshot of every page (under pytest's tmp dir), and each page must fit the window (no
horizontal scrolling of the page itself), show no untranslated national field name, and log no
console error. A few pages per role keep the run short."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from syncsettle.domain.glossary import FIELDS
from tests.console.seed import Seeded

WIDTHS = (1400, 390)
RAW_FIELD = re.compile(r"\b(" + "|".join(sorted((k for k in FIELDS if "_" in k), key=len, reverse=True)) + r")\b")
OVERFLOW = "() => document.scrollingElement.scrollWidth - window.innerWidth"


def _pages(seeded: Seeded) -> dict[str, list[str]]:
    setl_id = seeded.inpatient_setl_id
    return {
        "operator": ["/console/overview", "/console/pending", "/console/clearing"],
        "regulator": ["/console/overview", "/console/reviews", "/console/filings"],
        "hospital": ["/console/hospital", f"/console/hospital/settlements/{setl_id}", f"/console/slips/{setl_id}-M"],
        "insured": ["/console/me", "/console/my-data-uses", f"/console/slips/{setl_id}-C"],
        "insurer": ["/console/insurer", "/console/insurer/products", "/console/insurer/statements"],
    }


def _login(browser: Browser, base: str, token: str, errors: list[str]) -> Page:
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN", reduced_motion="reduce")
    page.on("console", lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
    page.goto(f"{base}/console/login")
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_load_state("networkidle")
    return page


def _check(page: Page, name: str, shots: Path) -> list[str]:
    """Screenshots at both widths; what is wrong with the page at each."""
    wrong = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(150)  # the layout and the charts' resize settle
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        over = page.evaluate(OVERFLOW)
        if over > 0:
            wide = page.evaluate(
                """() => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right >
                   window.innerWidth + 1 && !e.closest('.table-scroll')).slice(0, 3).map(e => e.tagName + '.' +
                   e.className + '#' + e.id)"""
            )
            wrong.append(f"{name} at {width}px: {over}px wider than the window ({wide})")
        raw = sorted(set(RAW_FIELD.findall(page.inner_text("body"))))
        if raw:
            wrong.append(f"{name} at {width}px: untranslated field names {raw}")
    return wrong


@pytest.mark.parametrize("role", ["operator", "regulator", "hospital", "insured", "insurer"])
def test_each_roles_pages_fit_desktop_and_phone_in_chinese_without_console_errors(
    role: str, live: tuple[str, Seeded], browser: Browser, tmp_path: Path
) -> None:
    base, seeded = live
    errors: list[str] = []
    page = _login(browser, base, seeded.tokens[role], errors)
    wrong: list[str] = []
    try:
        for path in _pages(seeded)[role]:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            wrong += _check(page, f"{role}{path.replace('/', '_')}", tmp_path)
    finally:
        page.close()
    assert not wrong, "\n".join(wrong)
    assert not errors, "\n".join(errors)
    assert len(list(tmp_path.glob("*.png"))) == 2 * len(_pages(seeded)[role])


def test_the_public_pages_and_the_404_page_fit_too(live: tuple[str, Seeded], browser: Browser, tmp_path: Path) -> None:
    base, _seeded = live
    errors: list[str] = []
    page: Any = browser.new_page(viewport={"width": WIDTHS[0], "height": 900}, locale="zh-CN")
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "404" not in m.text else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    wrong = []
    for path, status in (("/verify", 200), ("/console/login", 200), ("/console/no-such-page", 404)):
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == status, path
        wrong += _check(page, f"public{path.replace('/', '_')}", tmp_path)
    assert "页面不存在" in page.inner_text("body")
    page.close()
    assert not wrong, "\n".join(wrong)
    assert not errors, "\n".join(errors)
