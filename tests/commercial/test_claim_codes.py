"""商保码 (一码通赔): a person's signed code for one product, presented with a settlement (by the
hospital at the window or by the person afterwards), claims that settlement's waiting commercial
leg within the person's consent — once and only once. A tampered, foreign, revoked, superseded or
expired code is refused with the reason, and so is one without a consent in force."""

from __future__ import annotations

import json
import re
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from syncsettle.adapters.db.commercial.schema_claims import claim_code_uses
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.adapters.slips.qr import qr_svg
from syncsettle.domain.commercial import claim_code as rules
from syncsettle.domain.commercial.claim_code import ClaimCode
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial import claim_codes, consents
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import identity
from syncsettle.services.settlement.check import check
from tests.commercial.test_claims import ACME, _outpatient, _payouts
from tests.commercial.test_routes import SMALL_BILL
from tests.world import World, enroll_all, file_reference_products, grant_consent

HOSPITAL = "H37060000001"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def insured(psn_no: str) -> Principal:
    return Principal(Role.INSURED, psn_no, psn_no, "test")


def hospital(code: str = HOSPITAL) -> Principal:
    return Principal(Role.HOSPITAL, code, code, "test")


def _pending(world: World, psn_no: str = "P0002", hospital_code: str = HOSPITAL) -> str:
    """A settlement of ``psn_no`` whose ACME leg waits (no consent yet at the bedside); its setl_id."""
    mdtrt_id = world.outpatient_visit(psn_no, SMALL_BILL, insutype="310", hospital=hospital_code)
    answer = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}}, hospital=hospital_code)
    [leg] = [e for e in answer["commercial"] if e["product"] == ACME]
    assert (leg["status"], leg["reason_code"]) == ("pending", "consent_missing")
    return str(answer["setlinfo"]["setl_id"])


def _setup(world: World, *people: str) -> None:
    file_reference_products(world.platform, {ACME: "dual_platform"})
    enroll_all(world.platform, people or ("P0002",), [ACME])


def _consent(world: World, psn_no: str = "P0002") -> str:
    return grant_consent(world.platform, psn_no, "acme-group", granularity="result", purpose="quick_claim")


def _code(world: World, psn_no: str = "P0002", **kw: Any) -> dict[str, Any]:
    return claim_codes.issue(world.platform, insured(psn_no), ACME, **kw)


def _refused(call: Any, code: Code, words: str) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    assert caught.value.code is code and words in caught.value.message, caught.value
    return caught.value


def _uses(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(readonly=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(claim_code_uses)).mappings()]


def test_a_code_claims_the_waiting_leg_once_and_a_replay_returns_the_same_claim(world: World) -> None:
    _setup(world)
    setl_id = _pending(world)
    _consent(world)
    code = _code(world)
    first = claim_codes.present(world.platform, hospital(), code["code"], setl_id)  # scanned at the window
    claim = first["claim"]
    assert (claim["status"], claim["payable"], first["replayed"]) == ("settled", "162.40", False)
    assert _payouts(world) == {claim["claim_id"]: 16240}
    again = claim_codes.present(world.platform, insured("P0002"), code["code"], setl_id)  # afterwards, by the person
    assert again["replayed"] is True and again["claim"] == claim
    world.clock.advance(days=1)
    third = claim_codes.present(world.platform, hospital(), code["code"], setl_id)
    assert third["claim"] == claim and _payouts(world) == {claim["claim_id"]: 16240}  # paid once
    [use] = _uses(world)
    assert (use["claim_id"], use["times"], use["first_by"]) == (claim["claim_id"], 3, f"hospital:{HOSPITAL}")
    assert retry_due(world.platform, everything=True)["attempted"] == 0
    fresh = _code(world)  # a new code of the same person and product finds the same claim, pays nothing
    assert claim_codes.present(world.platform, insured("P0002"), fresh["code"], setl_id)["claim"] == claim
    assert _payouts(world) == {claim["claim_id"]: 16240}
    assert check(world.platform)["ok"], check(world.platform)["problems"]


def test_concurrent_presentations_pay_once(world: World) -> None:
    _setup(world)
    setl_id = _pending(world)
    _consent(world)
    text = _code(world)["code"]
    results: list[dict[str, Any]] = []
    start = threading.Barrier(4)

    def worker(actor: Principal) -> None:
        start.wait()
        results.append(claim_codes.present(world.platform, actor, text, setl_id))

    threads = [threading.Thread(target=worker, args=(a,)) for a in (hospital(), insured("P0002")) * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and {r["claim"]["claim_id"] for r in results} == set(_payouts(world))
    assert sorted(r["replayed"] for r in results) == [False, True, True, True]
    assert list(_payouts(world).values()) == [16240]
    assert check(world.platform)["ok"]


def test_a_tampered_or_forged_code_is_refused(world: World) -> None:
    _setup(world, "P0002", "P0003")
    setl_id = _pending(world)
    _consent(world)
    _consent(world, "P0003")
    mine = _code(world)
    prefix, _, signature = mine["code"].split(".")
    theirs = _code(world, "P0003")["code"].split(".")
    present = claim_codes.present
    spliced = f"{prefix}.{theirs[1]}.{signature}"  # P0003's payload under P0002's signature
    _refused(lambda: present(world.platform, hospital(), spliced, setl_id), Code.FIELD, "签名校验失败")
    stored = claim_codes.show(world.platform, insured("P0002"), mine["code_id"])
    longer = ClaimCode(stored["code_id"], "P0002", ACME, rules.whole_seconds(world.clock.now()),
                       rules.whole_seconds(world.clock.now()) + timedelta(days=3650))  # fmt: skip
    foreign = rules.encode(longer, world.platform.settings.keys.signer("commercial_platform").sign(longer.payload()))
    _refused(lambda: present(world.platform, hospital(), foreign, setl_id), Code.FIELD, "篡改或并非本平台签发")
    # even the platform's own signature over a code it never issued (the same id, a longer life) is refused
    resigned = claim_codes.sign(world.platform, longer)
    _refused(lambda: present(world.platform, hospital(), resigned, setl_id), Code.NOT_FOUND, "未登记")
    _refused(lambda: present(world.platform, hospital(), "not a code", setl_id), Code.FIELD, "格式不正确")
    assert _payouts(world) == {} and _uses(world) == []
    assert present(world.platform, hospital(), mine["code"], setl_id)["claim"]["status"] == "settled"


def test_a_code_of_one_person_never_claims_anothers_settlement(world: World) -> None:
    _setup(world, "P0002", "P0003")
    theirs = _pending(world, "P0003")
    elsewhere = _pending(world, "P0002", "H37060000002")
    _consent(world)
    code = _code(world)["code"]
    present = claim_codes.present
    _refused(lambda: present(world.platform, hospital(), code, theirs), Code.FORBIDDEN, "属于其他参保人")
    _refused(lambda: present(world.platform, insured("P0003"), code, theirs), Code.FORBIDDEN, "属于其他参保人")
    _refused(lambda: present(world.platform, hospital(), code, elsewhere), Code.FORBIDDEN, "不是本机构的结算")
    _refused(lambda: present(world.platform, hospital(), code, "ST-nowhere"), Code.NOT_FOUND, "不存在")
    assert _payouts(world) == {}
    assert present(world.platform, hospital("H37060000002"), code, elsewhere)["claim"]["status"] == "settled"


def test_a_revoked_or_superseded_code_is_refused(world: World) -> None:
    _setup(world)
    first, second = _pending(world), _pending(world)
    _consent(world)
    old = _code(world)
    new = _code(world)  # generating again supersedes the code held before
    superseded = "已被参保人新生成的码取代"
    _refused(lambda: claim_codes.present(world.platform, hospital(), old["code"], first), Code.STATE, superseded)
    assert claim_codes.present(world.platform, hospital(), new["code"], first)["claim"]["status"] == "settled"
    revoked = claim_codes.revoke(world.platform, insured("P0002"), new["code_id"])
    assert revoked["status"] == "revoked" and revoked["revoked_at"]
    _refused(lambda: claim_codes.present(world.platform, hospital(), new["code"], second), Code.STATE, "已被撤销")
    # a revoked code does not even repeat what it claimed before
    _refused(lambda: claim_codes.present(world.platform, hospital(), new["code"], first), Code.STATE, "已被撤销")
    _refused(lambda: claim_codes.revoke(world.platform, insured("P0002"), new["code_id"]), Code.STATE, "已撤销")
    _refused(lambda: claim_codes.revoke(world.platform, insured("P0003"), old["code_id"]), Code.FORBIDDEN, "本人")
    assert len(_payouts(world)) == 1


def test_an_expired_code_is_refused(world: World) -> None:
    _setup(world)
    setl_id = _pending(world)
    _consent(world)
    code = _code(world, valid_days=1)
    assert code["expires_beijing"] == "2025-06-11 10:00"  # issued 10:00 Beijing time, one day
    world.clock.advance(days=1)
    refused = _refused(lambda: claim_codes.present(world.platform, hospital(), code["code"], setl_id), Code.STATE,
                       "商保码已过期")  # fmt: skip
    assert "有效期至北京时间 2025-06-11 10:00" in refused.message
    assert _payouts(world) == {}
    assert claim_codes.mine(world.platform, insured("P0002"))[0]["expired"] is True


def test_a_code_claims_only_within_consent(world: World) -> None:
    _setup(world)
    setl_id = _pending(world)
    _refused(lambda: _code(world), Code.CONSENT, "尚未授权")  # no consent: no code either
    consent_id = _consent(world)
    code = _code(world)
    consents.revoke(world.platform, insured("P0002"), consent_id)
    _refused(lambda: claim_codes.present(world.platform, hospital(), code["code"], setl_id), Code.CONSENT,
             "理赔授权未生效或已撤回")  # fmt: skip
    assert _payouts(world) == {} and _uses(world) == []
    with world.platform.uow(readonly=True) as uow:
        refusals = (
            uow.conn.execute(select(audit_entries.c.record_ids).where(audit_entries.c.action == "refusal"))
            .scalars()
            .all()
        )
    assert any(code["code_id"] in ids for ids in refusals)  # the refusal is on the audit record
    _consent(world)  # consenting again lets the same code claim
    assert claim_codes.present(world.platform, hospital(), code["code"], setl_id)["claim"]["status"] == "settled"


def test_a_leg_paid_at_the_bedside_needs_no_code_and_pays_nothing_more(world: World) -> None:
    _setup(world)
    grant_consent(world.platform, "P0002", "acme-group", granularity="result")  # settlement: claims at the bedside
    answer = _outpatient(world)
    [leg] = answer["commercial"]
    assert leg["status"] == "settled"
    code = _code(world)["code"]
    _refused(lambda: claim_codes.present(world.platform, hospital(), code, answer["setlinfo"]["setl_id"]),
             Code.STATE, "已在结算时直接赔付")  # fmt: skip


def test_issuing_needs_an_enrollment_and_is_for_the_person_only(world: World) -> None:
    _setup(world)
    _consent(world, "P0003")
    _refused(lambda: _code(world, "P0003"), Code.STATE, "没有")  # P0003 is not enrolled in ACME
    _refused(lambda: claim_codes.issue(world.platform, hospital(), ACME), Code.FORBIDDEN, "参保人本人")
    _refused(lambda: _code(world, valid_days=0), Code.FIELD, "有效天数")


def _bearer(world: World, role: Role, tenant: str) -> dict[str, str]:
    if role is Role.HOSPITAL:
        return {"Authorization": f"Bearer {tenant}.{world.secrets[tenant]}"}
    _, token = identity.issue(world.platform, role, tenant, "")
    return {"Authorization": f"Bearer {token}"}


def test_over_http_the_person_issues_and_revokes_and_the_window_presents(world: World) -> None:
    _setup(world, "P0002", "P0003")
    setl_id = _pending(world)
    _consent(world)
    me, window = _bearer(world, Role.INSURED, "P0002"), _bearer(world, Role.HOSPITAL, HOSPITAL)
    client = world.client
    issued = client.post("/api/insured/claim-codes", json={"product_id": ACME, "valid_days": 7}, headers=me)
    assert issued.status_code == 200, issued.text
    code = issued.json()
    assert code["status"] == "active" and code["expires_beijing"] == "2025-06-17 10:00"
    assert client.get("/api/insured/claim-codes", headers=me).json()["codes"][0]["code_id"] == code["code_id"]
    other = _bearer(world, Role.INSURED, "P0003")
    assert client.get(f"/api/insured/claim-codes/{code['code_id']}", headers=other).status_code == 403
    assert client.post(f"/api/insured/claim-codes/{code['code_id']}/revoke", headers=other).status_code == 403
    insurer = _bearer(world, Role.INSURER, "acme-group")
    body = {"code": code["code"], "setl_id": setl_id}
    assert client.post("/api/claim-codes/present", json=body, headers=insurer).status_code == 403
    prefix, payload, signature = code["code"].split(".")
    changed = payload[:9] + ("A" if payload[9] != "A" else "B") + payload[10:]  # one character of the payload
    tampered = {**body, "code": f"{prefix}.{changed}.{signature}"}
    refused = client.post("/api/claim-codes/present", json=tampered, headers=window)
    assert refused.status_code == 422 and "签名校验失败" in refused.json()["error"]["message"]
    paid = client.post("/api/claim-codes/present", json=body, headers=window)
    assert paid.status_code == 200, paid.text
    claim = paid.json()["claim"]
    assert claim["status"] == "settled" and paid.json()["replayed"] is False
    again = client.post("/api/claim-codes/present", json=body, headers=me).json()
    assert again["replayed"] is True and again["claim"] == claim and list(_payouts(world)) == [claim["claim_id"]]
    revoked = client.post(f"/api/insured/claim-codes/{code['code_id']}/revoke", headers=me)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    late = client.post("/api/claim-codes/present", json=body, headers=window)
    assert late.status_code == 409 and "已被撤销" in late.json()["error"]["message"]


def test_the_insured_page_shows_the_code_as_a_qr_and_generates_and_revokes_it(world: World) -> None:
    _setup(world)
    _consent(world)
    client = TestClient(world.app)
    _, token = identity.issue(world.platform, Role.INSURED, "P0002", "")
    assert client.post("/console/login", data={"token": token}).status_code == 200
    page = client.get("/console/me").text
    assert 'id="no-codes"' in page and 'id="issue-code"' in page
    csrf = TOKEN.search(page)
    assert csrf
    assert client.post("/console/me/claim-codes", data={"product_id": ACME}).status_code == 403  # no CSRF token
    made = client.post("/console/me/claim-codes", data={"product_id": ACME, "csrf_token": csrf.group(1)},
                       follow_redirects=False)  # fmt: skip
    assert made.status_code == 303
    [code] = claim_codes.mine(world.platform, insured("P0002"))
    page = client.get("/console/me?code=issued").text
    assert f'data-code-id="{code["code_id"]}"' in page and 'id="code-issued"' in page
    assert qr_svg(code["code"]) in page  # the QR carries exactly the signed code
    assert code["code"] in page and code["expires_beijing"] in page
    gone = client.post(f"/console/me/claim-codes/{code['code_id']}/revoke", data={"csrf_token": csrf.group(1)},
                       follow_redirects=False)  # fmt: skip
    assert gone.status_code == 303
    page = client.get("/console/me?code=revoked").text
    assert 'id="no-codes"' in page and code["code_id"] not in page


def test_scanned_at_the_window_the_code_rides_in_the_settlement_request(world: World) -> None:
    """Only a quick-claim consent: the bedside leg cannot settle, the code sent in ``exp_content``
    claims it right after the settlement commits; the HIS resending the same message pays nothing."""
    _setup(world)
    _consent(world)
    code = _code(world)["code"]
    mdtrt_id = world.outpatient_visit("P0002", SMALL_BILL, insutype="310")
    msgid = world.msgid()
    request = {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002", "exp_content": {"claim_code": code}}}
    answer = world.ok("2207", request, msgid=msgid)
    [leg] = answer["commercial"]
    assert leg["status"] == "pending" and answer["summary"]["commercial"] == "0.00"  # not at the bedside
    claimed = answer["claim_code"]
    assert (claimed["status"], claimed["payable"], claimed["replayed"]) == ("settled", "162.40", False)
    again = world.ok("2207", request, msgid=msgid)  # the HIS retries the same message
    assert again["claim_code"]["replayed"] is True and again["claim_code"]["claim_id"] == claimed["claim_id"]
    assert _payouts(world) == {claimed["claim_id"]: 16240}
    other = world.outpatient_visit("P0002", SMALL_BILL, insutype="310")
    forged = {"data": {"mdtrt_id": other, "psn_no": "P0002", "exp_content": json.dumps({"claim_code": code[:-4]})}}
    refused = world.ok("2207", forged)["claim_code"]  # the settlement stands; the code is refused
    assert refused["status"] == "refused" and "商保码" in refused["err_msg"]
    assert check(world.platform)["ok"], check(world.platform)["problems"]
