"""What a user meets first on the console: national fields under their Chinese names with their
codes translated, one cash figure, Chinese notes and role names, Beijing time, an HTML 404 page in
the console's style, a favicon, and CSV downloads Excel opens."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from syncsettle.domain import glossary
from tests.console.seed import Seeded

Login = Callable[[str], TestClient]


def visible(html: str) -> str:
    """The page's text as a reader sees it (no tags, attributes, scripts or styles)."""
    html = re.sub(r"(?s)<(script|style)\b.*?</\1>", " ", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_hospitals_settlement_detail_names_every_national_field_and_translates_its_codes(
    seeded: Seeded, login: Login
) -> None:
    setl_id = seeded.inpatient_setl_id
    info = seeded.settled["inpatient"]["setlinfo"]
    detail = login("hospital").get(f"/console/hospital/settlements/{setl_id}").text
    shown = re.findall(r'data-field="([a-z_]+)">([^<]*)<', detail)
    assert {name for name, _ in shown} == set(info)
    for name, label in shown:
        assert label == glossary.FIELDS[name] and not re.search(r"[a-z_]{4,}", label), name
    text = visible(detail)
    for raw in ("psn_type", "clr_optins", "clr_way", "clr_type", "setlinfo", "setldetail"):
        assert raw not in text
    assert f"{glossary.field('psn_type')} {info['psn_type']} {glossary.CODES['psn_type'][info['psn_type']]}" in text
    assert f"{glossary.field('clr_way')} 01 按项目结算" in text
    assert f"{glossary.field('clr_type')} 21 住院" in text
    # one cash figure: the national psn_cash_pay on the card and in the field list, explained once
    assert f'data-share="cash">{info["psn_cash_pay"]}<' in detail
    assert f"{glossary.field('psn_cash_pay')} {info['psn_cash_pay']}" in text
    assert "现金 " + info["psn_cash_pay"] not in text.replace(glossary.field("psn_cash_pay"), "")
    assert 'id="cash-explained"' in detail
