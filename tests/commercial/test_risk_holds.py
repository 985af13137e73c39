"""Risk holds and the review queue (SQLite and PostgreSQL): findings above a product's threshold hold
its commercial leg — never the basic leg — the hospital's answer says so and the leg consumes nothing;
insurer and regulator reviewers see it with the evidence their role and the filing's granularity
allow (audited); an approved leg settles exactly once, a rejection reaches the person with its reason,
a request for more information keeps it open; flags of the batch scan are reviewed the same way."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from syncsettle.adapters.db.core.schema import journals, product_accumulators
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.projections import FIELDS
from syncsettle.domain.identity import Role
from syncsettle.domain.risk.evidence import DETAIL_FIELDS, SUMMARY_FIELDS
from syncsettle.money import parse_yuan
from syncsettle.services.commercial.reference_products import file_product
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.computing import scan
from syncsettle.services.management import identity
from syncsettle.services.settlement.check import check
from tests.commercial.products import SUMMARY_CONTENT, SUMMARY_ID
from tests.world import World, enroll_all, file_reference_products, grant_consent, line

ACME, INSURER = "acme-supplementary-2025", "acme-group"
CT_OVER_THE_CAP = line("3", "210300001", "1", "800.00", "800.00")  # CT above its 180.00 cap: PRICE-001, 620.00
HELD_BILL = [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "XJ01CR-0002", "2", "86.50", "173.00"),
             CT_OVER_THE_CAP]  # fmt: skip


def _world(world: World, route: str = "detail") -> None:
    file_reference_products(world.platform, {ACME: route})
    grant_consent(world.platform, "P0002", INSURER, granularity="detail")
    enroll_all(world.platform, ["P0002"], [ACME])


def _settle(world: World, bill: list[dict[str, Any]] = HELD_BILL) -> dict[str, Any]:
    mdtrt_id = world.outpatient_visit("P0002", bill, insutype="310")
    return world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})


def _entry(answer: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in answer["commercial"] if e["product"] == ACME)
    return found


def _as(world: World, role: Role, tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, tenant)[1]}"}


def _audited(world: World, action: str, about: str | None = None) -> list[dict[str, Any]]:
    """Audit entries of ``action`` (only those naming record ``about`` when given: filing steps and
    consent grants are decisions too)."""
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(audit_entries).where(audit_entries.c.action == action)).mappings()
        return [dict(r) for r in rows if about is None or about in r["record_ids"]]


def _count(world: World, *where: Any) -> int:
    with world.platform.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(journals).where(*where)).scalar_one())


def _accumulators(world: World) -> list[Any]:
    with world.platform.uow(readonly=True) as uow:
        return list(uow.conn.execute(select(product_accumulators.c.resp_id, product_accumulators.c.paid)).all())


def test_a_held_leg_settles_exactly_once_after_approval(world: World) -> None:
    _world(world)
    mdtrt_id = world.outpatient_visit("P0002", HELD_BILL, insutype="310")
    quoted = world.ok("2206", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert _entry(quoted)["status"] == "held"  # the pre-settlement says so already
    answer = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    entry = _entry(answer)
    assert (entry["status"], entry["reason_code"], entry["payable"]) == ("held", "risk_review", "0.00")
    assert "审核" in answer["summary"]["commercial_held"] and "commercial_pending" not in answer["summary"]
    assert answer["summary"]["commercial"] == "0.00"
    assert [f["rule_id"] for f in answer["risk"]] == ["PRICE-001"] and answer["risk"][0]["vola_amt"] == "620.00"
    assert answer["setlinfo"]["setl_id"]  # the basic leg settled: no commercial rule holds it
    assert _accumulators(world) == []  # the held leg consumed no deductible or cap
    assert retry_due(world.platform, everything=True)["attempted"] == 0  # held legs wait for a reviewer
    insured = _as(world, Role.INSURED, "P0002")
    claimed = world.client.post(f"/api/insured/claims/{entry['claim_id']}", headers=insured).json()["claim"]
    assert claimed["status"] == "held"  # the person cannot push it past the review

    insurer = _as(world, Role.INSURER, INSURER)
    [item] = world.client.get("/api/insurer/reviews", headers=insurer).json()["items"]
    assert (item["kind"], item["id"], item["open"], item["rules"], item["vola_amt"]) == (
        "leg", entry["claim_id"], True, ["PRICE-001"], "620.00")  # fmt: skip
    shown = world.client.get(f"/api/insurer/reviews/leg/{entry['claim_id']}", headers=insurer).json()
    assert shown["evidence"]["granularity"] == "detail"
    assert set(shown["evidence"]["visit"]) == FIELDS["detail"]  # type: ignore[index]
    assert shown["evidence"]["findings"][0]["lines"] == [
        {"feedetl_sn": "3", "vola_amt": "800.00"}
    ]  # the line concerned

    approved = world.client.post(f"/api/insurer/reviews/leg/{entry['claim_id']}/decision", headers=insurer,
                                 json={"decision": "approve", "reason": "检查确有必要"})  # fmt: skip
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "settled" and parse_yuan(approved.json()["payable"]) > 0
    again = world.client.post(f"/api/insurer/reviews/leg/{entry['claim_id']}/decision", headers=insurer,
                              json={"decision": "approve"})  # fmt: skip
    assert again.status_code == 409
    assert retry_due(world.platform, everything=True)["attempted"] == 0
    assert _count(world, journals.c.kind == "claim") == 1  # paid once
    paid = sum(amount for _, amount in _accumulators(world))
    assert paid == parse_yuan(approved.json()["payable"])  # the accumulators move only now, by the claim
    [decision] = _audited(world, "decision", entry["claim_id"])
    assert (decision["actor_role"], decision["outcome"], decision["psn_no"]) == ("insurer", "approve", "P0002")
    assert entry["claim_id"] in decision["record_ids"]
    [shown_to] = [e for e in _audited(world, "release") if e["reason"] == "risk review"]  # the evidence, once
    assert (shown_to["recipient"], shown_to["granularity"], entry["claim_id"] in shown_to["record_ids"]) == (
        INSURER, "detail", True)  # fmt: skip
    assert shown_to["consent_id"] is not None
    assert world.client.get("/api/insurer/reviews", headers=insurer).json()["items"] == []  # nothing open
    assert check(world.platform)["ok"], check(world.platform)["problems"]


def test_more_information_then_a_rejection_the_person_sees(world: World) -> None:
    _world(world)
    claim_id = _entry(_settle(world))["claim_id"]
    regulator, insurer = _as(world, Role.REGULATOR, "370600"), _as(world, Role.INSURER, INSURER)
    for role, tenant in ((Role.INSURER, "yantai-hmb"), (Role.REGULATOR, "150900")):  # not theirs
        outsider = _as(world, role, tenant)
        assert world.client.get(f"/api/{role.value}/reviews/leg/{claim_id}", headers=outsider).status_code == 403
    shown = world.client.get(f"/api/regulator/reviews/leg/{claim_id}", headers=regulator).json()["evidence"]
    assert [line["med_list_codg"] for line in shown["bill"]] == ["001101000010000", "XJ01CR-0002", "210300001"]
    assert shown["bill"][2]["pric"] == "800" and "180.00" in shown["findings"][0]["vola_cont"]
    assert _audited(world, "read")[-1]["actor_role"] == "regulator"

    asked = world.client.post(f"/api/regulator/reviews/leg/{claim_id}/decision", headers=regulator,
                              json={"decision": "more_info", "reason": "请医院补充 CT 检查申请单"})  # fmt: skip
    assert (asked.json()["status"], asked.json()["open"]) == ("held", True)
    no_reason = world.client.post(f"/api/insurer/reviews/leg/{claim_id}/decision", headers=insurer,
                                  json={"decision": "reject"})  # fmt: skip
    assert no_reason.status_code == 422
    rejected = world.client.post(f"/api/insurer/reviews/leg/{claim_id}/decision", headers=insurer,
                                 json={"decision": "reject", "reason": "超限价收费，不予赔付"})  # fmt: skip
    assert rejected.json()["status"] == "rejected"

    insured = _as(world, Role.INSURED, "P0002")
    [claim] = world.client.get("/api/insured/claims", headers=insured).json()["claims"]
    assert claim["status"] == "rejected" and "超限价收费，不予赔付" in claim["reason"]
    [mine] = world.client.get("/api/insured/reviews", headers=insured).json()["items"]
    assert [(d["decision"], d["reason"]) for d in mine["decisions"]] == [
        ("more_info", "请医院补充 CT 检查申请单"), ("reject", "超限价收费，不予赔付")]  # fmt: skip
    assert world.client.get("/api/insured/reviews", headers=_as(world, Role.INSURED, "P0003")).json()["items"] == []
    assert [e["outcome"] for e in _audited(world, "decision", claim_id)] == ["more_info", "reject"]
    assert retry_due(world.platform, everything=True)["attempted"] == 0
    assert _count(world, journals.c.kind == "claim") == 0  # a rejected leg is never paid
    assert check(world.platform)["ok"], check(world.platform)["problems"]


@pytest.mark.parametrize("granularity", ["settlement_summary", "category", "detail"])
def test_an_insurer_sees_only_what_its_filing_granularity_permits(world: World, granularity: str) -> None:
    # no shipped product can be approved on settlement_summary (it cannot be adjudicated from it): a test product is
    product, insurer_id = (SUMMARY_ID, SUMMARY_CONTENT["insurer"]) if granularity == "settlement_summary" else (
        ACME, INSURER)  # fmt: skip
    if product == ACME:
        file_reference_products(world.platform, {ACME: granularity}, granularities={ACME: granularity})
    else:
        file_product(world.platform, SUMMARY_CONTENT, region="370600", approved_from=date(2025, 1, 1),
                     approved_to=date(2026, 12, 31))  # fmt: skip
    enroll_all(world.platform, ["P0002"], [product])
    mdtrt_id = world.outpatient_visit("P0002", HELD_BILL, insutype="310")
    answer = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    claim_id = next(e for e in answer["commercial"] if e["product"] == product)["claim_id"]
    insurer = _as(world, Role.INSURER, insurer_id)
    withheld = world.client.get(f"/api/insurer/reviews/leg/{claim_id}", headers=insurer).json()["evidence"]
    assert set(withheld) == {"granularity", "withheld"}  # no consent: nothing of the visit, an audited refusal
    assert _audited(world, "refusal")[-1]["recipient"] == insurer_id
    grant_consent(world.platform, "P0002", insurer_id, granularity=granularity)
    shown = world.client.get(f"/api/insurer/reviews/leg/{claim_id}", headers=insurer).json()["evidence"]
    assert set(shown["visit"]) == FIELDS[granularity]  # type: ignore[index]
    finding_fields = DETAIL_FIELDS if granularity == "detail" else SUMMARY_FIELDS
    assert [set(f) for f in shown["findings"]] == [set(finding_fields)]
    released = _audited(world, "release")[-1]
    assert released["granularity"] == granularity and set(released["fields"]) >= set(shown["visit"])


def test_batch_scan_flags_are_reviewed_by_the_paying_insurer_and_the_regulator(world: World) -> None:
    _world(world)
    below_the_hold = [line("1", "210300001", "1", "300.00", "300.00"), line("2", "XJ01CR-0002", "4", "86.50", "346.00")]
    answer = _settle(world, below_the_hold)  # PRICE-001 puts 120.00 in question: below the 500.00 hold
    assert _entry(answer)["status"] == "settled"
    day = date(2025, 6, 10)
    assert scan.scan(world.platform, day, day)["flags"] >= 1
    insurer, regulator = _as(world, Role.INSURER, INSURER), _as(world, Role.REGULATOR, "370600")
    flags = [
        i for i in world.client.get("/api/insurer/reviews", headers=insurer).json()["items"] if i["kind"] == "flag"
    ]
    assert flags and all(f["setl_id"] == answer["setlinfo"]["setl_id"] for f in flags)
    assert world.client.get("/api/insurer/reviews", headers=_as(world, Role.INSURER, "yantai-hmb")).json() == {
        "items": []
    }  # its products did not pay in that settlement
    flag = next(f for f in flags if f["rules"] == ["PRICE-001"])
    shown = world.client.get(f"/api/insurer/reviews/flag/{flag['id']}", headers=insurer).json()["evidence"]
    assert shown["granularity"] == "detail" and shown["findings"][0]["vola_amt"] == "120.00"
    seen = world.client.get(f"/api/regulator/reviews/flag/{flag['id']}", headers=regulator).json()["evidence"]
    assert len(seen["bill"]) == 2
    decided = world.client.post(f"/api/regulator/reviews/flag/{flag['id']}/decision", headers=regulator,
                                json={"decision": "reject", "reason": "超限价部分由医院退还"})  # fmt: skip
    assert decided.json()["status"] == "rejected" and decided.json()["open"] is False
    assert world.client.post(f"/api/insurer/reviews/flag/{flag['id']}/decision", headers=insurer,
                             json={"decision": "approve"}).status_code == 409  # fmt: skip
    mine = world.client.get("/api/insured/reviews", headers=_as(world, Role.INSURED, "P0002")).json()["items"]
    assert any(i["id"] == flag["id"] and i["decisions"][0]["reason"] == "超限价部分由医院退还" for i in mine)
    assert world.client.get("/api/insurer/reviews/flag/999999", headers=insurer).status_code == 404


def test_a_reversed_settlement_cancels_its_held_leg(world: World) -> None:
    _world(world)
    answer = _settle(world)
    claim_id = _entry(answer)["claim_id"]
    info = answer["setlinfo"]
    world.ok("2208", {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": "P0002"}})
    insurer = _as(world, Role.INSURER, INSURER)
    late = world.client.post(f"/api/insurer/reviews/leg/{claim_id}/decision", headers=insurer,
                             json={"decision": "approve"})  # fmt: skip
    assert late.status_code == 409
    [claim] = world.client.get("/api/insured/claims", headers=_as(world, Role.INSURED, "P0002")).json()["claims"]
    assert claim["status"] == "cancelled" and _count(world, journals.c.kind == "claim") == 0
    assert check(world.platform)["ok"], check(world.platform)["problems"]
