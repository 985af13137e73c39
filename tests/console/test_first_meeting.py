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


def test_the_insured_persons_data_uses_read_in_chinese(seeded: Seeded, login: Login) -> None:
    text = visible(login("insured").get("/console/my-data-uses").text)
    assert "您授权" in text and "医保代办" in text  # the consent, then the releases of the settlement
    for english in ("consent granted", "medical-insurance", "insured:", "insurer:", "embedded"):
        assert english not in text
    assert "参保人 P0001" in text or "定点医疗机构" in text  # who acted, by role name
    assert glossary.recipient("medical-insurance:underwriting").startswith("医保平台内核保判断")
    assert glossary.note("rule UW-1: 3 diagnoses") == "核保规则 UW-1：读取 3 条诊断记录"
    assert glossary.note("detail: channel_timeout").startswith("直接联通-明细：")
    assert glossary.note("cancelled, refund 12.30") == "退保，退还保费 12.30 元"


def test_a_role_refused_is_named_in_chinese(seeded: Seeded) -> None:
    client = TestClient(seeded.world.app)
    answer = client.get("/api/operator/alerts", headers={"Authorization": f"Bearer {seeded.tokens['insured']}"})
    assert answer.status_code == 403
    assert "角色 参保人 无权访问" in answer.text and "insured" not in answer.text


def test_console_times_are_beijing_time_with_the_zone_shown(seeded: Seeded, login: Login) -> None:
    from datetime import UTC, datetime

    from syncsettle.entrypoints.console.render import china_time

    assert "2025-06-30 18:30" in china_time(datetime(2025, 6, 30, 10, 30, tzinfo=UTC)) and "UTC+8" in china_time(
        "2025-06-30T10:30:00+00:00"
    )
    page = login("hospital").get("/console/hospital").text
    setl_time = seeded.settled["inpatient"]["setlinfo"]["setl_time"][:16]
    assert f"{setl_time}<span class=\"tz\"> UTC+8</span>" in page


def test_products_and_insurers_are_named_not_slugged(seeded: Seeded, login: Login) -> None:
    from tests.console.seed import held_leg

    held_leg(seeded)
    text = visible(login("insurer").get("/console/reviews?all=true").text)
    assert "烟台市民健康保 2025" in text and "yantai-shiminjiankangbao-2025" not in text
    insured = visible(login("insured").get("/console/me").text)
    assert "烟台惠民保承保机构" in insured and "yantai-hmb" not in insured
