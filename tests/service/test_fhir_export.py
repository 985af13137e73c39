"""FHIR R4 export of settlements made through the hospital flow: every Bundle parses back with the
fhir.resources R4B models, the amounts are the settlement's, an insurer gets only its own legs at
their approved granularity under consent (audited), and nothing identifies the person beyond psn_no."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.claimresponse import ClaimResponse
from fhir.resources.R4B.explanationofbenefit import ExplanationOfBenefit
from sqlalchemy import select

from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.fhir import codes
from syncsettle.domain.fhir.projection import LEG_ELEMENTS
from syncsettle.services import fhir_export
from syncsettle.services.commercial import claims as claims_service
from syncsettle.services.commercial import consents
from syncsettle.services.errors import ServiceError
from tests.commercial.actors import ACME, HMB, HOSPITAL, insured
from tests.commercial.test_routes import settle_both_visits
from tests.world import World, grant_consent, line

OUTPATIENT = [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "XJ01CR-0002", "2", "86.50", "173.00"),
              line("3", "XC10AA-0003", "28", "4.20", "117.60")]  # fmt: skip
NAME, CERTNO = "测试P0002", "370602198001010002"  # tests/world.py person("P0002")


def _outpatient(world: World) -> str:
    mdtrt_id = world.outpatient_visit("P0002", OUTPATIENT, insutype="310")
    settled = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002", "acct_used_flag": "1",
                                         "medfee_sumamt": "320.60"}})  # fmt: skip
    return str(settled["setlinfo"]["setl_id"])


def _resources(bundle: dict[str, Any], kind: str | None = None) -> list[dict[str, Any]]:
    Bundle.model_validate(bundle)  # the whole Bundle parses back
    found = [e["resource"] for e in bundle.get("entry", []) if e.get("search", {}).get("mode") != "outcome"]
    return [r for r in found if kind is None or r["resourceType"] == kind]


def _by_payer(resource: dict[str, Any]) -> dict[str, Decimal]:
    return {e["category"]["coding"][0]["code"]: Decimal(str(e["amount"]["value"])) for e in resource["total"]}


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def test_a_settlement_exports_as_validated_resources_with_every_payer(world: World) -> None:
    setl_id = _outpatient(world)
    bundle = fhir_export.export(world.platform, setl_id=setl_id)
    assert bundle["type"] == "collection"
    [eob] = _resources(bundle, "ExplanationOfBenefit")
    [cr] = _resources(bundle, "ClaimResponse")
    ExplanationOfBenefit.model_validate(eob)
    ClaimResponse.model_validate(cr)
    assert eob["identifier"][0]["value"] == setl_id and eob["patient"]["reference"] == "Patient/P0002"
    assert eob["subType"]["coding"][0] == {"system": codes.MED_TYPE, "code": "11", "display": "普通门诊"}
    # the bill's three lines, each with its price and what it cost
    assert [i["productOrService"]["coding"][0]["code"] for i in eob["item"]] == [x["med_list_codg"] for x in OUTPATIENT]
    assert [Decimal(str(i["net"]["value"])) for i in eob["item"]] == [Decimal("30"), Decimal("173"), Decimal("117.6")]
    assert eob["item"][2]["quantity"]["value"] == 28 and Decimal(str(eob["item"][2]["unitPrice"]["value"])) == Decimal(
        "4.2"
    )
    assert [a["itemSequence"] for a in cr["item"]] == [1, 2, 3]
    # tests/service/test_hospital_flow.py: 66.96 from the pooled fund, 253.64 from the account, no cash
    totals = _by_payer(eob)
    assert totals["submitted"] == Decimal("320.60")
    assert totals["hifp"] == Decimal("66.96") and totals["acct"] == Decimal("253.64") and totals["cash"] == 0
    assert totals["benefit"] == Decimal("66.96")
    assert _by_payer(cr) == totals
    hifp = next(t for t in eob["total"] if t["category"]["coding"][0]["code"] == "hifp")
    assert hifp["category"]["coding"][1] == {"system": codes.FUND_PAY_TYPE, "code": "310100",
                                             "display": "职工基本医疗保险统筹基金"}  # fmt: skip
    contained = eob["contained"][0]
    assert contained["type"]["coding"][0] == {"system": codes.INSUTYPE, "code": "310", "display": "职工基本医疗保险"}
    text = json.dumps(bundle, ensure_ascii=False)
    assert NAME not in text and CERTNO not in text and "1980-01-01" not in text


def test_commercial_legs_carry_reason_codes_and_the_insured_sees_only_their_own(world: World) -> None:
    answers = settle_both_visits(world, "detail")
    inpatient = answers[0]["setlinfo"]["setl_id"]
    mine = fhir_export.search(world.platform, insured("P0002"), "ExplanationOfBenefit", "P0002",
                              ["ge2025-06-01", "le2025-06-30"])  # fmt: skip
    assert mine["type"] == "searchset"
    eobs = _resources(mine)
    kinds = [r["type"]["coding"][-1]["code"] for r in eobs]
    assert kinds.count("settlement") == 2 and kinds.count("commercial") == 4  # two visits, two products each
    settled = next(r for r in eobs if r["identifier"][0]["value"] == inpatient)
    payers = {(t["category"]["coding"][0]["code"], t["category"]["coding"][-1]["code"]): t["amount"]["value"]
              for t in settled["total"]}  # fmt: skip
    assert Decimal(str(payers[("commercial", "yantai-shiminjiankangbao-2025")])) == Decimal("6083.94")
    assert Decimal(str(payers[("commercial", "acme-supplementary-2025")])) == Decimal("3757.10")
    reasons = {a["reason"]["coding"][0]["code"] for a in settled["adjudication"] if "reason" in a}
    assert {"out_of_scope", "overlimit", "preselfpay"} <= reasons
    leg = next(r for r in eobs if r["identifier"][0]["value"] == f"{inpatient}/yantai-shiminjiankangbao-2025")
    by_resp = {a["category"]["coding"][0]["code"]: a["reason"]["coding"][0]["code"] for a in leg["adjudication"]}
    assert by_resp["yantai-shiminjiankangbao-2025#R3"] == "paid"
    assert by_resp["yantai-shiminjiankangbao-2025#R1"] == "deductible_not_reached"
    assert (
        fhir_export.search(world.platform, insured("P0002"), "ClaimResponse", "P0002", ["lt2025-06-10"])["total"] == 0
    )
    with pytest.raises(ServiceError):  # another person's settlements
        fhir_export.search(world.platform, insured("P0001"), "ExplanationOfBenefit", "P0002")
    with pytest.raises(ServiceError):
        fhir_export.search(world.platform, HOSPITAL, "ExplanationOfBenefit", "P0002")


def _released(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(audit_entries).where(audit_entries.c.recipient.in_(["yantai-hmb", "acme-group"]))
                                .order_by(audit_entries.c.id)).mappings().all()  # fmt: skip
    return [dict(r) for r in rows]


def test_an_insurer_gets_its_own_legs_at_detail_and_each_release_is_audited(world: World) -> None:
    settle_both_visits(world, "detail")
    before = len(_released(world))
    bundle = fhir_export.search(world.platform, HMB, "ExplanationOfBenefit", "P0002", ["ge2025-01-01"])
    legs = _resources(bundle)
    assert len(legs) == 2 and all(r["insurer"]["reference"] == "Organization/yantai-hmb" for r in legs)
    for r in legs:
        assert set(r) <= LEG_ELEMENTS["detail"], set(r) - LEG_ELEMENTS["detail"]
        assert r["meta"]["tag"][0]["code"] == "detail" and r["item"]
        assert not {NAME, CERTNO} & set(_strings(r))
        assert "H37060000001" not in _strings(r)  # the hospital is not in any projection
    inpatient = next(r for r in legs if r["subType"]["coding"][0]["code"] == "21")
    assert inpatient["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] == "I63.9"
    released = _released(world)[before:]
    assert [r["action"] for r in released] == ["release", "release"]
    assert all(r["consent_id"] and r["granularity"] == "detail" and r["psn_no"] == "P0002" for r in released)
    assert "ExplanationOfBenefit:lines[].med_list_codg" in released[0]["fields"]


def test_a_category_leg_carries_no_item_and_no_diagnosis(world: World) -> None:
    settle_both_visits(world, "category", ("acme-supplementary-2025",))
    bundle = fhir_export.search(world.platform, ACME, "ClaimResponse", "P0002")
    legs = _resources(bundle)
    assert len(legs) == 2
    for r in legs:
        ClaimResponse.model_validate(r)
        assert set(r) <= LEG_ELEMENTS["category"] and "item" not in r and "diagnosis" not in r
        assert r["meta"]["tag"][0]["code"] == "category"
        strings = set(_strings(r))
        assert not {"I63.9", "XJ01CR-0002", NAME, CERTNO} & strings
        assert {"submitted", "out_of_scope"} <= strings  # the bill's total and the self-pay by class
    assert fhir_export.search(world.platform, HMB, "ClaimResponse", "P0002")["total"] == 0  # not its product


def test_without_consent_an_insurer_gets_an_outcome_and_the_refusal_is_audited(world: World) -> None:
    settle_both_visits(world, "detail")
    for consent in consents.mine(world.platform, insured("P0002")):
        if consent["insurer_id"] == "acme-group" and consent["revoked_at"] is None:
            consents.revoke(world.platform, insured("P0002"), consent["id"])
    before = len(_released(world))
    bundle = fhir_export.search(world.platform, ACME, "ExplanationOfBenefit", "P0002")
    assert bundle["total"] == 0
    outcomes = [e for e in bundle["entry"] if e["search"]["mode"] == "outcome"]
    assert len(outcomes) == 2 and all("consent_revoked" in e["resource"]["issue"][0]["diagnostics"] for e in outcomes)
    refused = _released(world)[before:]
    assert [r["action"] for r in refused] == ["refusal", "refusal"]


def test_created_search_values() -> None:
    assert fhir_export.date_range(["ge2026-01-01", "lt2026-02-01"]) == (date(2026, 1, 1), date(2026, 1, 31))
    assert fhir_export.date_range(["2026-03-05"]) == (date(2026, 3, 5), date(2026, 3, 5))
    assert fhir_export.date_range([]) == (None, None)
    for bad in ("2026-13-01", "after2026-01-01", "ge2026-1-1", "gt9999-12-31", "lt0001-01-01"):
        with pytest.raises(ServiceError):
            fhir_export.date_range([bad])


def test_a_reversed_settlement_is_cancelled_and_a_pending_leg_is_queued_with_its_reason(world: World) -> None:
    from tests.commercial.test_routes import BIG_BILL, file_on_route
    from tests.world import enroll_all

    file_on_route(world, "detail", ("acme-supplementary-2025",))  # no consent granted: the leg stays pending
    enroll_all(world.platform, ["P0002"], ["acme-supplementary-2025"])
    mdtrt_id = world.inpatient_visit("P0002", BIG_BILL, insutype="310")
    setl_id = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})["setlinfo"]["setl_id"]
    bundle = fhir_export.search(world.platform, insured("P0002"), "ClaimResponse", "P0002")
    settlement, leg = _resources(bundle)
    assert settlement["outcome"] == "partial" and leg["outcome"] == "queued"
    assert leg["adjudication"][0]["reason"]["coding"][0]["code"] == "consent_missing"
    assert Decimal(str(_by_payer(leg)["benefit"])) == 0
    assert fhir_export.search(world.platform, ACME, "ClaimResponse", "P0002")["total"] == 0  # no consent
    # the person consents and claims: the leg settles from the view kept at the bedside
    grant_consent(world.platform, "P0002", "acme-group", granularity="category")  # poorer than the filing's detail
    assert fhir_export.search(world.platform, ACME, "ClaimResponse", "P0002")["total"] == 0
    grant_consent(world.platform, "P0002", "acme-group", granularity="detail")
    [claim] = claims_service.claims_of(world.platform, psn_no="P0002")
    claims_service.settle_claim(world.platform, claim["claim_id"], insured("P0002"))
    mine = _resources(fhir_export.search(world.platform, insured("P0002"), "ClaimResponse", "P0002"))[1]
    theirs = _resources(fhir_export.search(world.platform, ACME, "ClaimResponse", "P0002"))
    for r in (mine, theirs[0]):
        assert r["outcome"] == "complete" and _by_payer(r)["benefit"] == Decimal("3757.10")
    assert theirs[0]["meta"]["tag"][0]["code"] == "detail" and theirs[0]["item"]  # the filing's granularity
    # a later visit (its leg now settles at the bedside) is reversed: its resources are cancelled
    visit = world.outpatient_visit("P0002", OUTPATIENT, insutype="310")
    second = world.ok("2207", {"data": {"mdtrt_id": visit, "psn_no": "P0002"}})["setlinfo"]["setl_id"]
    world.ok("2208", {"data": {"setl_id": second, "mdtrt_id": visit, "psn_no": "P0002"}})
    after = _resources(fhir_export.export(world.platform, setl_id=second))
    assert len(after) == 4 and {r["status"] for r in after} == {"cancelled"}
    assert after[3]["identifier"][0]["value"] == f"{second}/acme-supplementary-2025"
    period = _resources(
        fhir_export.export(world.platform, psn_no="P0002", begin=date(2025, 6, 10), end=date(2025, 6, 10))
    )
    assert len(period) == 8  # two settlements with a leg each; the reversal row is not exported
    assert [r["status"] for r in period if r["identifier"][0]["value"].startswith(setl_id)] == ["active"] * 4


def test_a_summary_leg_tells_the_visit_type_and_self_pay_and_nothing_of_the_bill(world: World) -> None:
    from syncsettle.domain.identity import Principal, Role
    from tests.commercial.products import SUMMARY_ID

    settle_both_visits(world, "settlement_summary", (SUMMARY_ID,))
    insurer = Principal(Role.INSURER, "test-insurer", "test", "cr_test")
    legs = _resources(fhir_export.search(world.platform, insurer, "ExplanationOfBenefit", "P0002"))
    assert len(legs) == 2
    for r in legs:
        assert set(r) <= LEG_ELEMENTS["settlement_summary"] and r["meta"]["tag"][0]["code"] == "settlement_summary"
        strings = set(_strings(r))
        assert {"21", "11"} & strings and "310" in strings  # med_type, insutype
        assert not {"submitted", "out_of_scope", "overlimit", "I63.9", "XJ01CR-0002", NAME, CERTNO} & strings
        assert [t["category"]["coding"][0]["code"] for t in r["total"]] == ["benefit"]


def test_a_result_leg_carries_the_payable_and_reason_codes_only() -> None:
    from syncsettle.domain.fhir.projection import leg_resources

    leg = {"product": "p1", "insurer": "ins", "name": "产品", "payable": "12.30", "status": "settled",
           "responsibilities": [{"id": "R1", "name": "住院", "payable": "12.30", "reason_code": "paid"}]}  # fmt: skip
    payload = {"setl_id": "ST1", "psn_no": "P1", "setl_date": "2026-01-05"}
    eob, cr = leg_resources(leg, payload, "result")
    for r in (eob, cr):
        assert set(r) <= LEG_ELEMENTS["result"] and "subType" not in r and "item" not in r
        assert _by_payer(r) == {"benefit": Decimal("12.30")}
        assert r["created"] == "2026-01-05" and r["outcome"] == "complete"
    pending = leg_resources({**leg, "status": "pending", "reason_code": "risk_review", "responsibilities": []},
                            payload, "result")[1]  # fmt: skip
    assert pending["outcome"] == "queued" and pending["processNote"][0]["text"].startswith("风控审核")
    assert pending["adjudication"][0]["reason"]["coding"][0]["code"] == "risk_review"


def _leaves(value: Any, key: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, k)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v, key)]
    return [(key, value)]


def _constants() -> set[str]:
    """Every string the FHIR mapping itself supplies: systems, codes and displays of its tables, FHIR words."""
    from syncsettle.domain import codes as national

    words = {v for v in vars(codes).values() if isinstance(v, str)}
    for table in (codes.REASONS, codes.PAYER_NAMES, national.INSUTYPES, national.MED_TYPES, national.FUND_PAY_TYPES):
        words |= set(table) | set(table.values())
    words |= set(codes.PAYERS) | {"fund", "commercial", "settlement", "institutional", "professional", "submitted",
                                  "eligible", "copay", "deductible", "benefit", "masked", "product", "active",
                                  "cancelled", "claim", "complete", "queued", "display", "ExplanationOfBenefit",
                                  "ClaimResponse", "Coverage", "result", "settlement_summary", "category",
                                  "detail"}  # fmt: skip
    return words


def _escaped(resources: Any, payload: dict[str, Any], leg: dict[str, Any]) -> list[tuple[str, Any]]:
    """The values of ``resources`` that are neither the payload's, the leg result's, the mapping's own
    constants, nor made of them (ids, references)."""
    given = _leaves(payload) + _leaves(leg)
    strings = {str(v) for _k, v in given} | _constants()
    numbers = {Decimal(str(v)) for _k, v in given if isinstance(v, str) and v.replace(".", "").isdigit()}
    product, setl_id = leg["product"], payload["setl_id"]
    strings |= {f"Patient/{payload['psn_no']}", f"Organization/{leg['insurer']}", "#product", f"{setl_id}/{product}",
                f"eob-{setl_id}-{product}", f"cr-{setl_id}-{product}",
                *(f"{product}#{r['id']}" for r in leg["responsibilities"])}  # fmt: skip
    out = []
    for resource in resources:
        for key, value in _leaves(resource):
            if isinstance(value, bool) or key in ("sequence", "itemSequence", "number"):
                continue
            if (value not in strings) if isinstance(value, str) else (Decimal(str(value)) not in numbers):
                out.append((key, value))
    return out


@pytest.mark.parametrize("granularity", ["result", "settlement_summary", "category", "detail"])
def test_nothing_outside_the_projection_reaches_a_leg_resource(world: World, granularity: str) -> None:
    """Every value of an insurer's leg resource is the payload's, the leg result's, the mapping's own
    constants, or made of them: the resource cannot carry what the projection does not."""
    from syncsettle.adapters.db.settlement import settlements as settlements_repo
    from syncsettle.domain.commercial.projections import FIELDS
    from syncsettle.domain.commercial.vocabulary import Granularity
    from syncsettle.domain.fhir.projection import leg_resources

    [inpatient, _] = settle_both_visits(world, "detail")
    with world.platform.uow(readonly=True) as uow:
        settlement = settlements_repo.settlement(uow.conn, inpatient["setlinfo"]["setl_id"])
        assert settlement is not None
        leg = fhir_export.leg_of_insurer(settlement["output"]["commercial"][0])
        payload = fhir_export.leg_payload(uow.conn, settlement, leg, Granularity(granularity), None)
        richer = fhir_export.leg_payload(uow.conn, settlement, leg, Granularity.DETAIL, None)
    assert set(payload) <= FIELDS[Granularity(granularity)]
    assert _escaped(leg_resources(leg, payload, granularity), payload, leg) == []
    if granularity != "detail":  # the check is not vacuous: detail lines under this granularity are caught
        leaked = dict(_escaped(leg_resources(leg, richer, granularity), payload, leg))
        assert leaked and leaked.get("code") is not None


def test_every_payer_of_a_settlement_has_its_coding() -> None:
    """A settlement the 2026 benefits pay from every fund (as the engine's golden cases do), built
    directly: each payer's total carries the payer code and, where one fits, the national fund_pay_type."""
    from datetime import UTC, datetime

    from syncsettle.domain.fhir.projection import settlement_resources

    paid = {"hifp_pay": "500.00", "hifmi_pay": "120.00", "hifob_pay": "80.00", "cvlserv_pay": "60.00",
            "maf_pay": "40.00", "oth_pay": "0.00", "acct_pay": "30.00", "acct_mulaid_pay": "20.00",
            "psn_cash_pay": "50.00"}  # fmt: skip
    settlement = {
        "setl_id": "ST1", "psn_no": "P1", "insutype": "390", "med_type": "21", "fixmedins_code": "H1",
        "setl_time": datetime(2026, 1, 5, 2, tzinfo=UTC), "status": "settled", "fund_pay_sumamt": 80000,
        "commercial_sumamt": 10000,
        "output": {"setlinfo": {**paid, "medfee_sumamt": "1000.00", "inscp_scp_amt": "900.00", "fulamt_ownpay_amt":
                                "100.00", "overlmt_selfpay": "0.00", "preselfpay_amt": "0.00", "act_pay_dedc": "0.00",
                                "clr_optins": "370600"},
                   "setldetail": [], "commercial": [{"product": "p1", "insurer": "ins", "payable": "100.00",
                                                     "status": "settled", "responsibilities": []}]},
    }  # fmt: skip
    eob, _cr = settlement_resources(settlement, [])
    by_payer = {t["category"]["coding"][0]["code"]: t for t in eob["total"]}
    assert set(by_payer) == {
        "submitted",
        "eligible",
        "benefit",
        "hifp",
        "hifmi",
        "hifob",
        "cvlserv",
        "maf",
        "acct",
        "acct_mulaid",
        "commercial",
        "cash",
    }  # fmt: skip  (oth paid nothing)
    funds = {p: t["category"]["coding"][1]["code"] for p, t in by_payer.items() if len(t["category"]["coding"]) > 1}
    assert funds == {"hifp": "390100", "hifmi": "390200", "hifob": "330100", "cvlserv": "320100", "maf": "610100",
                     "acct": "310200", "commercial": "p1"}  # fmt: skip
    assert sum(Decimal(str(by_payer[p]["amount"]["value"])) for p in codes.PAYERS if p in by_payer) + Decimal(
        str(by_payer["commercial"]["amount"]["value"])) == Decimal("1000.00")  # fmt: skip
    assert "item" not in eob


def test_a_leg_held_for_review_is_queued_with_its_reason_and_the_kept_view(world: World) -> None:
    from tests.commercial.test_risk_holds import ACME as ACME_PRODUCT
    from tests.commercial.test_risk_holds import _settle
    from tests.commercial.test_risk_holds import _world as held_world

    held_world(world)
    answer = _settle(world)
    held = next(e for e in answer["commercial"] if e["product"] == ACME_PRODUCT)
    assert held["status"] == "held" and held["reason_code"] == "risk_review"
    [mine] = [r for r in _resources(fhir_export.search(world.platform, insured("P0002"), "ClaimResponse", "P0002"))
              if r["identifier"][0]["value"].endswith(ACME_PRODUCT)]  # fmt: skip
    assert mine["outcome"] == "queued" and mine["processNote"][0]["text"] == codes.REASONS["risk_review"]
    [theirs] = _resources(fhir_export.search(world.platform, ACME, "ExplanationOfBenefit", "P0002"))
    assert theirs["outcome"] == "queued" and theirs["adjudication"][0]["reason"]["coding"][0]["code"] == "risk_review"
    assert [i["productOrService"]["coding"][0]["code"] for i in theirs["item"]] == ["001101000010000", "XJ01CR-0002",
                                                                                     "210300001"]  # fmt: skip
