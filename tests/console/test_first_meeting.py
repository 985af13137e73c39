"""What a user meets first on the console: national fields under their Chinese names with their
codes translated, one cash figure, Chinese notes and role names, Beijing time, an HTML 404 page in
the console's style, a favicon, and CSV downloads Excel opens."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

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
    assert f'{setl_time}<span class="tz"> UTC+8</span>' in page


def test_products_and_insurers_are_named_not_slugged(seeded: Seeded, login: Login) -> None:
    from tests.console.seed import held_leg

    held_leg(seeded)
    text = visible(login("insurer").get("/console/reviews?all=true").text)
    assert "烟台市民健康保 2025" in text and "yantai-shiminjiankangbao-2025" not in text
    insured = visible(login("insured").get("/console/me").text)
    assert "烟台惠民保承保机构" in insured and "yantai-hmb" not in insured


def test_an_unknown_console_address_answers_a_console_page_and_the_api_stays_json(seeded: Seeded, login: Login) -> None:
    client = login("hospital")
    page = client.get("/console/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "页面不存在" in page.text and "/console/static/console.css" in page.text and "本院结算" in page.text
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/json")


def test_there_is_a_favicon(seeded: Seeded, login: Login) -> None:
    client = login("hospital")
    assert 'rel="icon" href="/console/static/favicon.svg"' in client.get("/console/hospital").text
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/svg+xml")
    assert client.get("/console/static/favicon.svg").status_code == 200


def test_one_menu_entry_is_highlighted_on_an_insurers_sub_page(seeded: Seeded, login: Login) -> None:
    client = login("insurer")
    products = client.get("/console/insurer/products").text
    link = re.search(r'href="(/console/insurer/products/\d+)"', products)
    assert link, "the insurer has filed products"
    for path in ("/console/insurer", "/console/insurer/products", link[1], "/console/insurer/statements"):
        page = client.get(path).text
        active = re.findall(r'<a href="([^"]+)" class="active"', page)
        assert len(active) == 1, (path, active)
    assert re.findall(r'<a href="([^"]+)" class="active"', client.get(link[1]).text) == ["/console/insurer/products"]


def test_pending_commercial_lists_the_legs_held_for_review_and_no_paid_claim_shows_0(
    seeded: Seeded, login: Login
) -> None:
    from tests.console.seed import held_leg

    held_leg(seeded)
    page = login("operator").get("/console/pending").text
    waiting = page.split('id="waiting"')[1].split("</table>")[0]
    assert "暂无待结" not in waiting and 'data-reason="risk_review"' in waiting
    for row in re.findall(r'<tr class="claim-row".*?</tr>', page, re.S):
        if "已理赔" in row:
            assert re.search(r'<td class="num">(?!0\.00<)\d[\d.]*</td><td>', row), row


def test_the_operators_latency_chart_shows_the_last_served_window_after_a_quiet_spell(seeded: Seeded) -> None:
    from datetime import timedelta

    from syncsettle.services.management import dashboards

    p = seeded.world.platform
    now = p.clock.now() + timedelta(days=2)  # nothing served in the last 3 hours: the demo's case
    assert not dashboards.latency(p, now - timedelta(hours=3), now).minutes
    shown = dashboards.recent_latency(p, now, timedelta(hours=3))
    assert shown.minutes and shown.overall["count"] >= 4


def test_chart_legends_keep_to_one_row_above_the_axis_name(seeded: Seeded) -> None:
    from syncsettle.entrypoints.console import charts
    from syncsettle.services.management.dashboards import Latency

    option = charts.daily([], str)
    assert option["legend"]["type"] == "scroll" and option["grid"]["top"] >= 56 and option["yAxis"]["name"] == "元"
    assert charts.latency(Latency())["legend"]["type"] == "scroll"


def test_downloads_open_in_excel_with_chinese_headers_and_come_back_readable(
    seeded: Seeded, login: Login, tmp_path: Path
) -> None:
    from syncsettle.adapters.statement_files import read

    client = login("insurer")
    body = client.get("/console/insurer/statements/2025-06.csv")
    assert body.status_code == 200 and body.content.startswith(b"\xef\xbb\xbf")
    text = body.content.decode("utf-8-sig")
    assert text.startswith("结算ID,原结算ID,结算日期") and "setl_id" not in text.splitlines()[0]
    (tmp_path / "back.csv").write_bytes(body.content)
    rows = read(tmp_path / "back.csv")
    assert rows and {"setl_id", "product_id", "resp_id", "payable"} <= set(rows[0])
    xlsx = client.get("/console/insurer/statements/2025-06.xlsx")
    (tmp_path / "back.xlsx").write_bytes(xlsx.content)
    from openpyxl import load_workbook

    header = next(load_workbook(tmp_path / "back.xlsx").worksheets[0].iter_rows(values_only=True))
    assert header[0] == "结算ID" and read(tmp_path / "back.xlsx") == rows
