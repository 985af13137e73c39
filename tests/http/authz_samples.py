"""Sample requests for the authorisation matrix (``test_authorisation_matrix.py``).

Every route under ``/api/`` is tried by the matrix. A route with path parameters or a request body
declares here how to build a request for it — one its **own** tenant may make, and, where a route
can name another tenant's record, one for **another** tenant (expected 403):

    @sample("POST", "/api/insured/consents/{consent_id}/revoke")
    def _(s: Scene, role: Role, own: bool) -> Call | None:
        return Call({"consent_id": s.consent("P0002" if own else "P0003")})

``s`` is the shared scene (a migrated database with insurers, filings, enrollments, audit entries
and factories for fresh records); ``role`` is the role of the caller (the owner principals are
:data:`OWNERS`); return ``None`` for "no other tenant can be named here". Routes without parameters
or body need no entry. A public route (no ``require``) must be listed in :data:`PUBLIC`.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from syncsettle.adapters.db.commercial import claims as claims_repo
from syncsettle.adapters.db.computing.schema_computing import risk_flags
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.lifecycle import STEPS, FilingAction
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.services import admin
from syncsettle.services.commercial import claim_codes, consents, enrollment
from syncsettle.services.commercial.filings import take_step
from syncsettle.services.commercial.reference_products import file_reference_product, reference_content
from syncsettle.services.computing import access, budgets
from syncsettle.services.management import admission, identity
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.management.audit_proofs import proof
from tests.world import World, line

OWNERS = {Role.INSURED: "P0002", Role.INSURER: "acme-group", Role.REGULATOR: "370600", Role.OPERATOR: "*",
          Role.HOSPITAL: "H37060000001"}  # fmt: skip
PUBLIC = {
    ("GET", "/api/public/platform-key"), ("POST", "/api/public/consent-receipts/verify"),
    ("POST", "/api/public/audit-proofs/verify"), ("GET", "/api/public/audit/checkpoint"),
    ("GET", "/api/public/products"),
}  # fmt: skip
YEAR = {"approved_from": date(2025, 1, 1), "approved_to": date(2025, 12, 31)}
HELD_BILL = [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "210300001", "1", "800.00", "800.00")]
PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}
Y2026 = {"approved_from": date(2026, 1, 1), "approved_to": date(2026, 12, 31)}
PRODUCTS = {  # insurer → (product, region, window)
    "acme-group": ("acme-supplementary-2025", "370600", YEAR),
    "yantai-hmb": ("yantai-shiminjiankangbao-2025", "370600", YEAR),
    "hainan-hqb": ("hainan-huiqiongbao-2026-a", "150900", Y2026),
}


@dataclass
class Call:
    params: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    query: dict[str, Any] = field(default_factory=dict)


class Scene:
    """The matrix's world and factories of fresh records (so every owner's call can succeed)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.p = world.platform
        self._serial = itertools.count(1)
        self._codes = itertools.count(0)
        self._enrolled: dict[str, bool] = {}
        self.tokens = {role: identity.issue(self.p, role, tenant, "")[1] for role, tenant in OWNERS.items()
                       if role is not Role.HOSPITAL}  # fmt: skip
        self.tokens[Role.HOSPITAL] = f"H37060000001.{world.secrets['H37060000001']}"
        self.active = {insurer: self.filing(insurer, "active") for insurer in PRODUCTS}
        for psn_no in ("P0002", "P0003"):
            enrollment.enroll(self.p, _insured(psn_no), "acme-supplementary-2025", paid_by="cash")
        self.entry("U0001", "yantai-hmb")

    def filing(self, insurer: str, status: str) -> int:
        product, region, window = PRODUCTS[insurer]
        return file_reference_product(self.p, product, region=region, status=status, **window)

    def consent(self, psn_no: str) -> str:
        row = consents.grant(self.p, _insured(psn_no), "acme-group", Purpose.ANALYTICS, Granularity.RESULT,
                             date(2025, 1, 1), date(2025, 12, 31))  # fmt: skip
        return str(row["id"])

    def claim(self, psn_no: str, hospital: str = "H37060000001", insutype: str = "310") -> str:
        """A pending commercial leg of ``psn_no``: its visit settles while the employer plan is suspended."""
        regulator = Principal(Role.REGULATOR, "370600", "", "matrix")
        filing_id = self.active["acme-group"]
        take_step(self.p, regulator, filing_id, FilingAction.SUSPEND, reason="授权矩阵测试")
        try:
            visit = self.world.outpatient_visit(psn_no, [line("1", "001101000010000", "1", "800.00", "800.00")],
                                                insutype=insutype, hospital=hospital)  # fmt: skip
            answer = self.world.ok("2207", {"data": {"mdtrt_id": visit, "psn_no": psn_no}}, hospital=hospital)
        finally:
            take_step(self.p, regulator, filing_id, FilingAction.RESUME, reason="授权矩阵测试")
        return str(next(c["claim_id"] for c in answer["commercial"] if c.get("claim_id")))

    def claim_code(self, psn_no: str) -> dict[str, Any]:
        """A fresh 商保码 of ``psn_no`` for the employer plan (enrolled with its settlement consent)."""
        return claim_codes.issue(self.p, _insured(psn_no), "acme-supplementary-2025")

    def waiting_settlement(self, psn_no: str, hospital: str = "H37060000001", insutype: str = "310") -> str:
        """The setl_id of a settlement of ``psn_no`` at ``hospital`` whose employer-plan leg waits."""
        found = claims_repo_claim(self.p, self.claim(psn_no, hospital, insutype))
        return str(found["setl_id"])

    def coded_stranger(self, hospital: str) -> tuple[str, str]:
        """A fresh person (enrolled in the employer plan, consenting to claims) with a waiting
        settlement at ``hospital``: (their 商保码, its setl_id) — fresh, so no same-day risk rule holds it."""
        psn_no = f"Q{60 + next(self._codes):04d}"
        admin.enroll(self.p, psn_no, "acme-supplementary-2025", date(2025, 1, 1), date(2025, 12, 31))
        consents.grant(self.p, _insured(psn_no), "acme-group", Purpose.QUICK_CLAIM, Granularity.DETAIL,
                       date(2025, 1, 1), date(2025, 12, 31))  # fmt: skip
        return self.claim_code(psn_no)["code"], self.waiting_settlement(psn_no, hospital, "390")

    def held(self, insurer: str) -> str:
        """A leg of ``insurer``'s product held for risk review (a CT above its price cap: PRICE-001)."""
        product = PRODUCTS[insurer][0]
        psn_no = {"acme-group": "Q0050", "yantai-hmb": "Q0051"}[insurer]  # enrolled once, by this scene only
        if not self._enrolled.get(insurer):
            admin.enroll(self.p, psn_no, product, date(2025, 1, 1), date(2025, 12, 31))
            self._enrolled[insurer] = True
        visit = self.world.outpatient_visit(psn_no, HELD_BILL)
        answer = self.world.ok("2207", {"data": {"mdtrt_id": visit, "psn_no": psn_no}})
        return str(next(c["claim_id"] for c in answer["commercial"] if c["product"] == product))

    def flag_elsewhere(self) -> str:
        """A batch-scan flag on a settlement of a person insured in 150900 (outside the owner regulator)."""
        visit = self.world.outpatient_visit("U0001", [line("1", "001101000010000", "1", "25.00", "25.00")],
                                            hospital="H15090000001")  # fmt: skip
        answer = self.world.ok("2207", {"data": {"mdtrt_id": visit, "psn_no": "U0001"}}, hospital="H15090000001")
        serial = next(self._serial)
        with self.p.uow() as uow:
            uow.conn.execute(risk_flags.insert(), {
                "jr_id": f"MATRIX{serial}", "scan_id": "matrix", "rule_set": "reference-risk", "rule_version": 1,
                "rule_id": "MULTI-001", "rule_name": "同日多院就诊", "sev_deg": "3", "psn_no": "U0001",
                "mdtrt_id": visit, "setl_id": answer["setlinfo"]["setl_id"], "fixmedins_code": "H15090000001",
                "vola_amt": 2500, "vola_cont": "授权矩阵测试", "lines": [], "status": "open",
                "period_from": date(2025, 6, 10), "period_to": date(2025, 6, 10), "flagged_at": self.world.clock.now(),
            })  # fmt: skip
            flag_id = uow.conn.execute(select(risk_flags.c.id).where(risk_flags.c.jr_id == f"MATRIX{serial}"))
            found = str(flag_id.scalar_one())
            uow.commit()
        return found

    def replay(self, role: Role, tenant: str) -> str:
        """A what-if replay job owned by ``tenant``."""
        actor = Principal(role, tenant, tenant, "matrix")
        product = PRODUCTS.get(tenant, PRODUCTS["acme-group"])[0]
        started = access.submit_replay(self.p, actor, reference_content(product), 9900, date(2025, 1, 1),
                                       date(2025, 6, 30))  # fmt: skip
        return str(started["job_id"])

    def enrollment(self, psn_no: str) -> int:
        """A fresh enrollment to cancel: one day of its own (periods of one person and product never overlap)."""
        day = date(2025, 1, 1) + timedelta(days=next(self._serial))
        return admin.enroll(self.p, psn_no, "acme-supplementary-2025", day, day)

    def insurer(self, region: str) -> str:
        insurer_id = f"matrix-{next(self._serial)}"
        admission.admit(self.p, Principal(Role.REGULATOR, region, "", "matrix"), insurer_id, insurer_id)
        return insurer_id

    def entry(self, psn_no: str, recipient: str) -> int:
        with self.p.uow() as uow:
            record(uow.conn, self.world.clock.now(), Use(Principal(Role.INSURER, recipient, "", "matrix"),
                   Action.RELEASE, "settlement", recipient, ["ST1"], ["payable"], psn_no=psn_no))  # fmt: skip
            uow.commit()
        with self.p.uow(readonly=True) as uow:
            return int(
                uow.conn.execute(select(audit_entries.c.id).order_by(audit_entries.c.id.desc()).limit(1)).scalar_one()
            )


def claims_repo_claim(p: Any, claim_id: str) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        found = claims_repo.claim(uow.conn, claim_id)
    assert found is not None
    return found


def _insured(psn_no: str) -> Principal:
    return Principal(Role.INSURED, psn_no, psn_no, "matrix")


Sample = Callable[[Scene, Role, bool], "Call | None"]
SAMPLES: dict[tuple[str, str], Sample] = {}


def sample(method: str, path: str) -> Callable[[Sample], Sample]:
    def register(fn: Sample) -> Sample:
        SAMPLES[(method, path)] = fn
        return fn

    return register


def _own_insurer(own: bool) -> str:
    return "acme-group" if own else "yantai-hmb"


@sample("POST", "/api/insured/claims/{claim_id}")
def _claim(s: Scene, role: Role, own: bool) -> Call:
    return Call({"claim_id": s.claim("P0002" if own else "P0003")})


@sample("GET", "/api/insured/enrollment-form")
def _form(s: Scene, role: Role, own: bool) -> Call | None:
    return Call(query={"product_id": "acme-supplementary-2025"}) if own else None


@sample("POST", "/api/insured/enrollments")
def _enroll(s: Scene, role: Role, own: bool) -> Call | None:
    return Call(body={"product_id": "yantai-shiminjiankangbao-2025", "paid_by": "cash"}) if own else None


@sample("POST", "/api/insured/enrollments/{enrollment_id}/cancel")
def _cancel(s: Scene, role: Role, own: bool) -> Call:
    return Call({"enrollment_id": s.enrollment("P0002" if own else "P0003")})


@sample("POST", "/api/insured/consents")
def _grant(s: Scene, role: Role, own: bool) -> Call | None:
    body = {"insurer_id": "acme-group", "purpose": "analytics", "granularity": "result", "begndate": "2025-01-01",
            "enddate": "2025-12-31"}  # fmt: skip
    return Call(body=body) if own else None


@sample("POST", "/api/insured/consents/{consent_id}/revoke")
@sample("GET", "/api/insured/consents/{consent_id}/receipt")
def _consent(s: Scene, role: Role, own: bool) -> Call:
    return Call({"consent_id": s.consent("P0002" if own else "P0003")})


@sample("POST", "/api/insurer/filings")
def _draft(s: Scene, role: Role, own: bool) -> Call:
    product = PRODUCTS[_own_insurer(own)][0]
    return Call(body={"content": reference_content(product), "region": "370600", "premium": "99.00"})


@sample("GET", "/api/insurer/filings/{filing_id}")
def _insurer_filing(s: Scene, role: Role, own: bool) -> Call:
    return Call({"filing_id": s.filing(_own_insurer(own), "active")})


@sample("PUT", "/api/insurer/filings/{filing_id}")
def _revise(s: Scene, role: Role, own: bool) -> Call:
    return Call({"filing_id": s.filing(_own_insurer(own), "draft")}, body={"premium": "88.00"})


def _step_sample(action: FilingAction, regulator: bool) -> Sample:
    start = sorted(STEPS[action].sources)[0].value

    def build(s: Scene, role: Role, own: bool) -> Call:
        insurer = ("acme-group" if own else "hainan-hqb") if regulator else _own_insurer(own)
        return Call({"filing_id": s.filing(insurer, start)}, body={"reason": "授权矩阵测试"})

    return build


for _action in (FilingAction.SUBMIT, FilingAction.WITHDRAW, FilingAction.LAUNCH, FilingAction.ACTIVATE,
                FilingAction.EXIT):  # fmt: skip
    SAMPLES[("POST", f"/api/insurer/filings/{{filing_id}}/{_action.value}")] = _step_sample(_action, False)
for _action in (FilingAction.REJECT, FilingAction.SUSPEND, FilingAction.RESUME, FilingAction.FORCE_EXIT):
    path = f"/api/regulator/filings/{{filing_id}}/{_action.value.replace('_', '-')}"
    SAMPLES[("POST", path)] = _step_sample(_action, True)


@sample("POST", "/api/regulator/filings/{filing_id}/approve")
def _approve(s: Scene, role: Role, own: bool) -> Call:
    filing_id = s.filing("acme-group" if own else "hainan-hqb", "submitted")
    window = YEAR if own else Y2026
    return Call({"filing_id": filing_id}, body={k: v.isoformat() for k, v in window.items()})


@sample("GET", "/api/regulator/filings/{filing_id}")
def _regulator_filing(s: Scene, role: Role, own: bool) -> Call | None:
    if not own and role is Role.OPERATOR:
        return None
    return Call({"filing_id": s.filing("acme-group" if own else "hainan-hqb", "active")})


@sample("POST", "/api/regulator/insurers")
def _admit(s: Scene, role: Role, own: bool) -> Call:
    return Call(
        body={"insurer_id": f"new-{next(s._serial)}", "name": "新机构", "region": "370600" if own else "150900"}
    )


@sample("POST", "/api/regulator/insurers/{insurer_id}/exit")
def _exit(s: Scene, role: Role, own: bool) -> Call:
    return Call({"insurer_id": s.insurer("370600" if own else "150900")}, body={"reason": "授权矩阵测试"})


@sample("POST", "/api/regulator/privacy-budgets")
def _grant_budget(s: Scene, role: Role, own: bool) -> Call:
    requester = s.insurer("370600" if own else "150900")
    return Call(body={"requester": requester, "dataset": "product:acme-supplementary-2025", "epsilon": "1"})


@sample("POST", "/api/regulator/privacy-budgets/revoke")
def _revoke_budget(s: Scene, role: Role, own: bool) -> Call:
    requester = s.insurer("370600" if own else "150900")
    budgets.grant(s.p, Principal(Role.REGULATOR, "*", "", "matrix"), requester, "product:acme-supplementary-2025", "1")
    return Call(body={"requester": requester, "dataset": "product:acme-supplementary-2025", "reason": "授权矩阵测试"})


@sample("GET", "/api/audit/entries/{entry_id}/proof")
def _proof(s: Scene, role: Role, own: bool) -> Call | None:
    if role is Role.OPERATOR and not own:
        return None
    if role is Role.INSURER:
        return Call({"entry_id": s.entry("P0002", "acme-group" if own else "yantai-hmb")})
    if role is Role.REGULATOR:
        return Call({"entry_id": s.entry("P0002" if own else "U0001", "acme-group")})
    return Call({"entry_id": s.entry("P0002" if own else "P0003", "acme-group")})


@sample("POST", "/api/public/consent-receipts/verify")
def _verify_receipt(s: Scene, role: Role, own: bool) -> Call | None:
    shown = consents.receipt(s.p, _insured("P0002"), s.consent("P0002"))
    return Call(body={"receipt": shown["receipt"], "signature": shown["signature"]}) if own else None


@sample("POST", "/api/public/audit-proofs/verify")
def _verify_proof(s: Scene, role: Role, own: bool) -> Call | None:
    return Call(body=proof(s.p, _insured("P0002"), s.entry("P0002", "acme-group"))) if own else None


def _review(prefix: str) -> Sample:
    def build(s: Scene, role: Role, own: bool) -> Call:
        if prefix == "insurer":
            return Call({"kind": "leg", "item_id": s.held(_own_insurer(own))})
        if own:
            return Call({"kind": "leg", "item_id": s.held("acme-group")})
        return Call({"kind": "flag", "item_id": s.flag_elsewhere()})

    return build


def _decision(prefix: str) -> Sample:
    item = _review(prefix)

    def build(s: Scene, role: Role, own: bool) -> Call:
        return Call(item(s, role, own).params, body={"decision": "reject", "reason": "授权矩阵测试"})  # type: ignore[union-attr]

    return build


for _who in ("insurer", "regulator"):
    SAMPLES[("GET", f"/api/{_who}/reviews/{{kind}}/{{item_id}}")] = _review(_who)
    SAMPLES[("POST", f"/api/{_who}/reviews/{{kind}}/{{item_id}}/decision")] = _decision(_who)


@sample("GET", "/api/insurer/actuarial/aggregates")
@sample("GET", "/api/insurer/actuarial/remainder")
def _actuarial(s: Scene, role: Role, own: bool) -> Call:
    return Call(query={"product": PRODUCTS[_own_insurer(own)][0], **PERIOD})


@sample("GET", "/api/regulator/actuarial/remainder")
def _population(s: Scene, role: Role, own: bool) -> Call | None:
    return Call(query=PERIOD) if own else None


@sample("POST", "/api/insurer/replays")
def _insurer_replay(s: Scene, role: Role, own: bool) -> Call:
    product = PRODUCTS[_own_insurer(own)][0]  # another insurer's candidate (or product to replace) is refused
    return Call(body={"candidate": reference_content(product), "premium": "99.00", **PERIOD})


@sample("POST", "/api/regulator/replays")
def _regulator_replay(s: Scene, role: Role, own: bool) -> Call | None:
    body = {"candidate": reference_content("acme-supplementary-2025"), "premium": "99.00", **PERIOD}
    return Call(body=body) if own else None


@sample("GET", "/api/insurer/replays/{job_id}")
def _insurer_job(s: Scene, role: Role, own: bool) -> Call:
    return Call({"job_id": s.replay(Role.INSURER, _own_insurer(own))})


@sample("GET", "/api/regulator/replays/{job_id}")
def _regulator_job(s: Scene, role: Role, own: bool) -> Call:
    return Call({"job_id": s.replay(Role.REGULATOR, "370600" if own else "150900")})


for _type in ("ExplanationOfBenefit", "ClaimResponse"):

    @sample("GET", f"/api/insured/fhir/{_type}")
    def _fhir_insured(s: Scene, role: Role, own: bool) -> Call:
        return Call(query={"patient": "P0002" if own else "P0003"})  # another person's settlements: 403

    @sample("GET", f"/api/insurer/fhir/{_type}")
    def _fhir_insurer(s: Scene, role: Role, own: bool) -> Call | None:
        return Call(query={"patient": "P0002"}) if own else None  # only its own legs are ever in the Bundle


@sample("POST", "/api/insured/claim-codes")
def _issue_code(s: Scene, role: Role, own: bool) -> Call | None:
    return Call(body={"product_id": "acme-supplementary-2025"}) if own else None


@sample("GET", "/api/insured/claim-codes/{code_id}")
def _show_code(s: Scene, role: Role, own: bool) -> Call:
    return Call({"code_id": s.claim_code("P0002" if own else "P0003")["code_id"]})


@sample("POST", "/api/insured/claim-codes/{code_id}/revoke")
def _revoke_code(s: Scene, role: Role, own: bool) -> Call:
    return Call({"code_id": s.claim_code("P0002" if own else "P0003")["code_id"]})


@sample("POST", "/api/claim-codes/present")
def _present_code(s: Scene, role: Role, own: bool) -> Call:
    """Own: the person's code with their settlement at the owner hospital (the insured: P0002; the
    hospital: a fresh person's). Other: the insured presents P0003's code (for P0003's settlement);
    the hospital presents for another hospital's settlement."""
    if own and role is Role.INSURED:
        return Call(body={"code": s.claim_code("P0002")["code"], "setl_id": s.waiting_settlement("P0002")})
    if role is Role.HOSPITAL:
        code, setl_id = s.coded_stranger("H37060000001" if own else "H37060000002")
        return Call(body={"code": code, "setl_id": setl_id})
    return Call(body={"code": s.claim_code("P0003")["code"], "setl_id": s.waiting_settlement("P0003")})
