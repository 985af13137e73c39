"""The insured person's pages and the hospital's settlement detail, driven over HTTP with a console
session: granting checks what the API checks and writes nothing on error; revoking asks first, then
takes effect at the next settlement; receipts verify as the public endpoint verifies them; state-
changing forms need the session's CSRF token; nobody reaches another person's records."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from syncsettle.services.commercial import consents, policies
from syncsettle.services.management import data_use
from tests.commercial.actors import insured
from tests.console.seed_insured import INSURER, PERSON, SeededInsured, seed_insured, settle_again
from tests.world import World

Login = Callable[[str], TestClient]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def mine(world: World) -> SeededInsured:
    return seed_insured(world)


@pytest.fixture
def login(mine: SeededInsured) -> Login:
    def as_role(role: str) -> TestClient:
        client = TestClient(mine.seeded.world.app)
        assert client.post("/console/login", data={"token": mine.seeded.tokens[role]}).status_code == 200
        return client

    return as_role


def token_of(client: TestClient, path: str) -> str:
    found = TOKEN.search(client.get(path).text)
    assert found, path
    return found.group(1)


def my_consents(world: World) -> list[dict[str, object]]:
    return consents.mine(world.platform, insured(PERSON))


GRANT = {"insurer_id": "anyang-phb", "purpose": "quick_claim", "granularity": "category", "begndate": "2025-06-10",
         "enddate": "2026-06-09"}  # fmt: skip


def test_the_grant_form_refuses_in_chinese_and_writes_nothing(mine: SeededInsured, login: Login, world: World) -> None:
    client = login("insured")
    token = token_of(client, "/console/consents")
    before = len(my_consents(world))
    wrong = {
        "enddate": ({**GRANT, "enddate": "2025-01-01"}, "授权期间须为"),
        "granularity": ({**GRANT, "granularity": ""}, "请选择数据范围"),
        "date": ({**GRANT, "begndate": "明天"}, "请填写有效的开始日期"),
        "insurer": ({**GRANT, "insurer_id": "no-such-insurer"}, "未准入"),
        "too long": ({**GRANT, "enddate": "2031-06-10"}, "不超过 5 年"),
    }  # fmt: skip
    for name, (form, message) in wrong.items():
        response = client.post("/console/consents", data={**form, "csrf_token": token})
        assert response.status_code == 422 and message in response.text, name
        assert 'id="grant-error"' in response.text
    assert len(my_consents(world)) == before
    granted = client.post("/console/consents", data={**GRANT, "csrf_token": token})
    assert granted.status_code == 200 and "已授权" in granted.text
    new = [c for c in my_consents(world) if c["insurer_id"] == "anyang-phb"]
    assert len(new) == 1 and new[0]["purpose"] == "quick_claim" and new[0]["granularity"] == "category"


def test_revoking_asks_first_then_the_next_settlement_goes_pending(mine: SeededInsured, login: Login,
                                                                  world: World) -> None:  # fmt: skip
    client = login("insured")
    consent = mine.settlement_consent
    confirm = client.get(f"/console/consents/{consent}/revoke")
    assert confirm.status_code == 200 and "确认撤回" in confirm.text and "下次使用时生效" in confirm.text
    assert next(c for c in my_consents(world) if c["id"] == consent)["revoked_at"] is None  # asking is not revoking
    done = client.post(f"/console/consents/{consent}/revoke", data={"csrf_token": csrf_of(confirm.text)})
    assert done.status_code == 200 and 'id="revoked-note"' in done.text and "下次使用时生效" in done.text
    assert re.search(rf'data-id="{consent}" data-state="revoked"', done.text)
    again = client.post(f"/console/consents/{consent}/revoke", data={"csrf_token": csrf_of(confirm.text)})
    assert again.status_code == 400 and "已撤回" in again.text

    answer = settle_again(world)
    leg = next(leg for leg in answer["commercial"] if leg["insurer"] == INSURER)  # type: ignore[attr-defined]
    assert leg["status"] == "pending" and leg["reason_code"] == "consent_revoked"
    page = client.get("/console/me").text
    row = page[page.index(f'data-setl-id="{answer["setlinfo"]["setl_id"]}"') :]  # type: ignore[index]
    assert 'data-status="pending" data-reason="consent_revoked"' in row[: row.index("</tr>")]
    assert "参保人已撤回数据授权" in row[: row.index("</tr>")]


def csrf_of(page: str) -> str:
    found = TOKEN.search(page)
    assert found
    return found.group(1)


def test_state_changing_forms_without_the_sessions_token_are_refused(mine: SeededInsured, login: Login,
                                                                     world: World) -> None:  # fmt: skip
    client, other = login("insured"), login("family")
    consent, family = mine.settlement_consent, mine.family_enrollment
    foreign = token_of(other, "/console/consents")  # a genuine token — of another session
    assert foreign != token_of(client, "/console/consents")
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": foreign}):
        assert client.post(f"/console/consents/{consent}/revoke", data=data).status_code == 403
        assert client.post("/console/consents", data={**GRANT, **data}).status_code == 403
        assert client.post(f"/console/me/enrollments/{family}/cancel", data=data).status_code == 403
    assert next(c for c in my_consents(world) if c["id"] == consent)["revoked_at"] is None
    assert not [c for c in my_consents(world) if c["insurer_id"] == "anyang-phb"]
    assert all(e["status"] == "active" for e in policies.my_policies(world.platform, insured(PERSON)))
    assert "CSRF" in client.post(f"/console/consents/{consent}/revoke").text


def test_a_receipt_verifies_and_an_edited_one_does_not(mine: SeededInsured, login: Login) -> None:
    client = login("insured")
    page = client.get(f"/console/consents/{mine.settlement_consent}")
    assert page.status_code == 200 and 'data-valid="true"' in page.text
    receipt = consents.receipt(mine.seeded.world.platform, insured(PERSON), mine.settlement_consent)
    public = client.post("/api/public/consent-receipts/verify", json=receipt).json()
    assert public == {"valid": True}
    edited = json.dumps({**receipt["receipt"], "granularity": "result"}, ensure_ascii=False)
    checked = client.post(f"/console/consents/{mine.settlement_consent}/check",
                          data={"document": edited, "signature": receipt["signature"]})  # fmt: skip
    assert 'data-valid="false"' in checked.text
    original = json.dumps(receipt["receipt"], ensure_ascii=False)
    checked = client.post(f"/console/consents/{mine.settlement_consent}/check",
                          data={"document": original, "signature": receipt["signature"]})  # fmt: skip
    assert 'data-valid="true"' in checked.text


def test_another_persons_consent_and_policy_are_not_found(mine: SeededInsured, login: Login, world: World) -> None:
    other = login("family")
    token = token_of(other, "/console/consents")
    consent = mine.settlement_consent
    for path in (f"/console/consents/{consent}", f"/console/consents/{consent}/revoke"):
        assert other.get(path).status_code == 404, path
    assert other.post(f"/console/consents/{consent}/revoke", data={"csrf_token": token}).status_code == 404
    assert next(c for c in my_consents(world) if c["id"] == consent)["revoked_at"] is None
    held_by_p0001 = next(e["enrollment_id"] for e in policies.my_policies(world.platform, insured(PERSON))
                         if e["psn_no"] == PERSON and e["product_id"] == "acme-supplementary-2025")  # fmt: skip
    assert other.get(f"/console/me/enrollments/{held_by_p0001}/cancel").status_code == 404
    assert other.post(f"/console/me/enrollments/{held_by_p0001}/cancel", data={"csrf_token": token}).status_code == 404


def test_who_used_my_data_lists_every_use_a_page_at_a_time(mine: SeededInsured, login: Login, world: World) -> None:
    client = login("insured")
    page = client.get("/console/my-data-uses").text
    entries = data_use.entries(world.platform, insured(PERSON), limit=500)
    assert entries and page.count('class="use-row"') == min(len(entries), 50)
    assert "已提供" in page and mine.settlement_consent in page
    older = client.get(f"/console/my-data-uses?before={entries[1]['entry_id']}").text
    assert older.count('class="use-row"') == len(entries) - 2
    assert login("family").get("/console/my-data-uses").text.count(mine.settlement_consent) == 0


def test_family_policies_cancel_behind_a_confirmation_with_the_refund(mine: SeededInsured, login: Login,
                                                                      world: World) -> None:  # fmt: skip
    client = login("insured")
    page = client.get("/console/me").text
    assert "（家庭成员）" in page and f'data-id="{mine.family_enrollment}" data-status="active"' in page
    confirm = client.get(f"/console/me/enrollments/{mine.family_enrollment}/cancel")
    quote = re.search(r'id="refund-quote">([0-9.]+)<', confirm.text)
    assert confirm.status_code == 200 and quote and "确认退保" in confirm.text
    done = client.post(
        f"/console/me/enrollments/{mine.family_enrollment}/cancel", data={"csrf_token": csrf_of(confirm.text)}
    )
    assert done.status_code == 200 and f'<span id="refund">{quote.group(1)}</span>' in done.text
    assert f'data-id="{mine.family_enrollment}" data-status="cancelled"' in done.text
    row = next(
        e for e in policies.my_policies(world.platform, insured(PERSON)) if e["enrollment_id"] == mine.family_enrollment
    )
    assert row["status"] == "cancelled" and row["refund"] == quote.group(1)


def test_the_hospital_opens_a_settlement_with_every_payers_share(mine: SeededInsured, login: Login) -> None:
    client = login("hospital")
    setl_id = mine.seeded.inpatient_setl_id
    listing = client.get("/console/hospital").text
    assert f'href="/console/hospital/settlements/{setl_id}"' in listing
    detail = client.get(f"/console/hospital/settlements/{setl_id}").text
    summary = mine.seeded.settled["inpatient"]["summary"]
    for key in ("total", "public_funds", "commercial", "personal_account", "cash"):
        assert f'data-share="{key}">{summary[key]}<' in detail, key
    assert 'id="setldetail"' in detail and 'class="leg" data-status="settled"' in detail
    assert f"/console/slips/{setl_id}-M" in detail and f"/console/slips/{setl_id}-C" in detail
    ulanqab = mine.seeded.settled["ulanqab"]["setlinfo"]["setl_id"]
    assert client.get(f"/console/hospital/settlements/{ulanqab}").status_code == 404  # another hospital's
    reversal = mine.seeded.settled["reversed"]["setlinfo"]["setl_id"]
    only = client.get("/console/hospital?status=reversal").text
    assert f"（{reversal}）" in only and setl_id not in only.split('id="reversals"')[0].split('id="settlements"')[1]
    assert client.get("/console/hospital?since=2025-07-01&until=2025-07-31").text.count("settlement-row") == 0
