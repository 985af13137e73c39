"""Settlement slips: the PDF says what the settlement says, its SM2 signature verifies at /verify,
and a changed amount or signature does not; only the parties of a settlement may open its slips."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select

from syncsettle.adapters.db.commercial import filings as filing_repo
from syncsettle.adapters.db.core.schema import settlements
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.glossary import field
from syncsettle.money import format_yuan
from syncsettle.services import admin
from syncsettle.services.slips import issue
from syncsettle.services.slips.content import SETLINFO_FIELDS
from tests.console.seed import Seeded, held_leg
from tests.world import line


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def compact(text: str) -> str:
    return re.sub(r"\s+", "", text)


def signature_in(text: str) -> str:
    """The signature printed under its heading, its lines joined."""
    found = re.search(r"签名（base64url）：(.*?)平台公钥", compact(text))
    assert found, text
    return found[1]


def test_pdf_medical_slip_amounts_equal_the_settlement_and_its_signature_verifies(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    setl_id = seeded.inpatient_setl_id
    answer = seeded.settled["inpatient"]
    response = login("insured").get(f"/console/slips/{setl_id}-M/pdf")
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.content)
    lines = set(text.splitlines())
    flat = compact(text)
    assert len(PdfReader(io.BytesIO(response.content)).pages) == 1
    for name in SETLINFO_FIELDS:  # label and value side by side (two pairs to a printed row)
        value = answer["setlinfo"][name]
        assert compact(f"{field(name)} {value}" if name == "pool_prop_selfpay" else f"{field(name)} {value} 元") in flat
    with seeded.world.platform.uow(readonly=True) as uow:
        row = uow.conn.execute(select(settlements).where(settlements.c.setl_id == setl_id)).mappings().one()
    assert compact(f"{field('medfee_sumamt')} {format_yuan(row['medfee_sumamt'])} 元") in flat
    assert compact(f"{field('fund_pay_sumamt')} {format_yuan(row['fund_pay_sumamt'])} 元") in flat
    for fund in answer["setldetail"]:  # one table row per fund: name, in-scope, limit, paid
        cells = ("fund_pay_type_name", "inscp_scp_amt", "crt_payb_lmt_amt", "fund_payamt")
        assert " ".join(fund[c] for c in cells) in lines
    assert f"{setl_id}-M" in text
    verdict = issue.check_id(seeded.world.platform, f"{setl_id}-M", signature_in(text))
    assert verdict.valid and verdict.matches_record and verdict.status == "settled"


def test_pdf_commercial_slip_shows_each_product_and_responsibility(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    setl_id = seeded.inpatient_setl_id
    answer = seeded.settled["inpatient"]
    text = pdf_text(login("hospital").get(f"/console/slips/{setl_id}-C/pdf").content)
    flat = compact(text)
    summary = answer["summary"]
    for label, key in (("医疗费总额", "total"), ("医保基金支付", "public_funds"), ("商保赔付", "commercial"),
                       ("个人账户支付", "personal_account"), ("现金支付", "cash")):  # fmt: skip
        assert f"{label}{summary[key]}元" in flat
    assert answer["commercial"], "the seeded stay has a commercial leg"
    for leg in answer["commercial"]:
        assert f"赔付{leg['payable']}元" in flat
        for r in leg["responsibilities"]:
            assert f"{r['base']}{r['deductible_applied']}{r['ratio']}{r['payable']}" in flat  # one table row
            assert compact(f"{r['name']}：{r['reason']}") in flat  # its explanation line
    verdict = issue.check_id(seeded.world.platform, f"{setl_id}-C", signature_in(text))
    assert verdict.valid


def test_a_changed_amount_or_signature_fails_at_verify(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    setl_id = seeded.inpatient_setl_id
    document = login("insured").get(f"/console/slips/{setl_id}-C/json").json()
    public = TestClient(seeded.world.app)  # /verify needs no login
    genuine = public.post("/verify", data={"document": json.dumps(document, ensure_ascii=False)})
    assert 'data-valid="true"' in genuine.text and "与平台记录一致" in genuine.text
    tampered = json.loads(json.dumps(document))
    tampered["content"]["summary"]["cash"] = "0.00"
    answer = public.post("/verify", data={"document": json.dumps(tampered, ensure_ascii=False)})
    assert 'data-valid="false"' in answer.text
    signature = document["signature"]
    flipped = dict(document, signature=signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"))
    assert 'data-valid="false"' in public.post("/verify", data={"document": json.dumps(flipped)}).text
    # the QR code's URL: the record's slip, shown only with a signature that holds over it
    ok = public.get("/verify", params={"slip": f"{setl_id}-C", "sig": document["signature"]})
    assert 'data-valid="true"' in ok.text and document["content"]["summary"]["commercial"] in ok.text
    other = public.get("/verify", params={"slip": f"{setl_id}-M", "sig": document["signature"]})
    assert 'data-valid="false"' in other.text and "38480.00" not in other.text
    assert public.post("/verify", data={"document": "{not json"}).status_code == 422


def test_the_slip_page_carries_a_qr_code_of_its_verify_url(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    page = login("insured").get(f"/console/slips/{seeded.inpatient_setl_id}-M")
    assert page.status_code == 200
    assert "<svg" in page.text and "/verify?slip=" in page.text and "38480.00" in page.text


def test_only_the_settlements_parties_see_its_slips_and_each_view_is_audited(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    mine = f"{seeded.inpatient_setl_id}-M"
    someone_else = f"{seeded.settled['account']['setlinfo']['setl_id']}-M"
    away = f"{seeded.settled['ulanqab']['setlinfo']['setl_id']}-M"
    insured, hospital, regulator = login("insured"), login("hospital"), login("regulator")
    assert insured.get(f"/console/slips/{mine}").status_code == 200
    assert insured.get(f"/console/slips/{someone_else}").status_code == 403
    assert hospital.get(f"/console/slips/{away}").status_code == 403  # settled by the Ulanqab hospital
    assert regulator.get(f"/console/slips/{mine}").status_code == 200  # 370600 covers the person's region
    assert regulator.get(f"/console/slips/{away}").status_code == 403
    assert login("operator").get(f"/console/slips/{away}").status_code == 200
    assert login("insurer").get(f"/console/slips/{mine}").status_code == 403
    assert insured.get("/console/slips/ST000000000000000000000000-M").status_code == 404
    uninsured = someone_else.replace("-M", "-C")  # P0002 holds no product: no commercial leg, no commercial slip
    assert login("operator").get(f"/console/slips/{uninsured}").status_code == 404
    with seeded.world.platform.uow(readonly=True) as uow:
        entries = uow.conn.execute(select(audit_entries).where(audit_entries.c.purpose == "slip")).mappings().all()
    outcomes = {(e["actor_role"], e["psn_no"], e["outcome"]) for e in entries}
    assert ("insured", "P0001", "released") in outcomes
    assert ("insured", "P0002", "refused") in outcomes
    assert ("insurer", "P0001", "refused") not in outcomes  # refused by role before the use case ran


def test_the_vendored_font_has_a_glyph_for_every_character_a_slip_prints(seeded: Seeded) -> None:
    from fontTools.ttLib import TTFont

    from syncsettle.adapters.slips.pdf import FONT
    from syncsettle.domain.slip_layout import sections
    from syncsettle.services.slips.content import slip_content

    cmap = TTFont(str(FONT))["cmap"].getBestCmap()
    printed = "结算单编号扫描右侧二维码或访问下列地址验签：平台 SM2 签名（base64url）：平台公钥（SM2，04||X||Y）："
    held_leg(seeded)  # a provisional slip prints its status and the amount under review
    with seeded.world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(settlements).where(settlements.c.status != "reversal")).mappings().all()
    for row in rows:
        for kind in ("M", "C") if row["output"]["commercial"] else ("M",):
            for s in sections(slip_content(kind, dict(row), "烟台毓璜顶医院", {"yantai-hmb": "烟台惠民保"})):
                printed += s.title + "".join(a + b for a, b in s.pairs) + "".join(s.headers)
                printed += "".join("".join(r) for r in s.rows) + "".join(s.lines)
    missing = {c for c in printed if ord(c) not in cmap and not c.isspace()}
    assert not missing


def test_a_commercial_slip_shows_a_leg_left_pending_and_its_quick_claim(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    w = seeded.world
    admin.enroll(w.platform, "Q0001", "yantai-shiminjiankangbao-2025", date(2025, 1, 1), date(2025, 12, 31))
    stay = w.inpatient_visit("Q0001", [line("1", "331001001", "1", "60000.00", "60000.00")])  # no consent given
    answer = w.ok("2304", {"data": {"mdtrt_id": stay, "psn_no": "Q0001"}})
    (leg,) = answer["commercial"]
    assert leg["status"] == "pending"
    hospital = login("hospital")
    slip = answer["setlinfo"]["setl_id"] + "-C"
    page = hospital.get(f"/console/slips/{slip}")
    assert page.status_code == 200 and leg["claim_id"] in page.text
    text = compact(pdf_text(hospital.get(f"/console/slips/{slip}/pdf").content))
    assert compact(f"未实时结算：{leg['reason']}（快赔 {leg['claim_id']}）") in text


def test_a_commercial_slip_of_a_leg_held_for_review_is_provisional_and_states_the_amount_under_review(
    seeded: Seeded, login: Callable[[str], TestClient]
) -> None:
    claim_id = held_leg(seeded)
    setl_id = claim_id.removeprefix("CL")[:-2]
    hospital = login("hospital")
    document = hospital.get(f"/console/slips/ST{setl_id}-C/json").json()
    content = document["content"]
    assert content["status"] == "待审核"  # signed as provisional, never as final
    (leg,) = content["commercial"]
    with seeded.world.platform.uow(readonly=True) as uow:
        row = uow.conn.execute(select(settlements).where(settlements.c.setl_id == f"ST{setl_id}")).mappings().one()
    findings = row["output"]["risk"]
    assert findings, "the held bill has bedside findings"
    held = format_yuan(sum(int(compact(f["vola_amt"]).replace(".", "")) for f in findings))
    assert held != "0.00" and leg["held"] == held == content["summary"]["held"]
    with seeded.world.platform.uow(readonly=True) as uow:
        insurer = filing_repo.insurer(uow.conn, "yantai-hmb")
    assert insurer is not None and leg["insurer"] == insurer["name"] == "烟台惠民保承保机构"  # a name, not the id
    body = hospital.get(f"/console/slips/ST{setl_id}-C/pdf").content
    assert len(PdfReader(io.BytesIO(body)).pages) == 1
    text = compact(pdf_text(body))
    assert "结算单状态：待审核（暂定结算单，非最终结算）" in text
    assert f"商保待审核{held}元" in text and f"待审核{held}元" in text
    assert f"现金支付{content['summary']['cash']}元（个人先行支付）" in text
    assert "）赔付0.00元" not in text  # the held leg does not claim a final 0.00
    final = hospital.get(f"/console/slips/{seeded.inpatient_setl_id}-C/json").json()["content"]
    assert final["status"] == "已结算" and "held" not in final["summary"]


def test_every_slip_fits_one_a4_page_with_its_qr_code(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    held_leg(seeded)
    operator = login("operator")
    with seeded.world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(settlements).where(settlements.c.status != "reversal")).mappings().all()
    checked = 0
    for row in rows:
        for kind in ("M", "C") if row["output"]["commercial"] else ("M",):
            body = operator.get(f"/console/slips/{row['setl_id']}-{kind}/pdf").content
            (page,) = PdfReader(io.BytesIO(body)).pages
            assert page.images, "the QR code is on the first (only) page"
            checked += 1
    assert checked >= 6


def test_the_qr_code_points_to_the_public_base_url(seeded: Seeded, login: Callable[[str], TestClient]) -> None:
    from syncsettle.adapters.settings import SettingsError, load_settings

    seeded.world.platform.settings.public_base_url = "https://settle.example.cn"
    page = login("insured").get(f"/console/slips/{seeded.inpatient_setl_id}-M")
    assert 'href="https://settle.example.cn/verify?slip=' in page.text
    text = compact(pdf_text(login("insured").get(f"/console/slips/{seeded.inpatient_setl_id}-M/pdf").content))
    assert "https://settle.example.cn/verify?slip=" in text and "testserver" not in text
    settings = load_settings({"SYNCSETTLE_PUBLIC_BASE_URL": "https://settle.example.cn/"})
    assert settings.public_base_url == "https://settle.example.cn"
    assert load_settings({}).public_base_url is None
    import pytest

    with pytest.raises(SettingsError, match="SYNCSETTLE_PUBLIC_BASE_URL"):
        load_settings({"SYNCSETTLE_PUBLIC_BASE_URL": "settle.example.cn"})


def test_an_unknown_slip_id_at_verify_is_not_found_rather_than_a_bad_signature(seeded: Seeded) -> None:
    public = TestClient(seeded.world.app)
    answer = public.get("/verify", params={"slip": "ST000000000000000000000000-M", "sig": "MEQCIA"})
    assert answer.status_code == 404
    assert "未找到该结算单" in answer.text and "签名无效" not in answer.text
    typed = public.post("/verify", data={"slip": "nonsense", "sig": "MEQCIA"})
    assert typed.status_code == 404 and "未找到该结算单" in typed.text
