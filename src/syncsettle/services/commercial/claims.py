"""Quick claims (快赔): the commercial legs a settlement could not settle at the bedside.

A pending leg is recorded in the settlement's own transaction (:func:`record_pending`), with what
the patient still owed after the legs that did settle. It consumes no deductible or cap while it
waits. Its claim settles (:func:`settle_claim`) when the person asks (insured API) or the platform
retries (:mod:`retry`): under the person's lock for the visit's year and the product's cap lock
of that year (shared by every insurance row of the person), with the filing of the visit
day and the person's product accumulators of that year as they stand then, by the same engine and
the same route (the insurer receives its granularity under consent — a ``quick_claim`` consent, or
the ``settlement`` consent that already covered this visit); the payout is booked in the commercial
ledger (insurer payable → the person's payout account) and the accumulators move, in one
transaction. A claim settles exactly once: the pending → settled transition, the payout journal
(its id is the claim's) and the accumulator change commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import claims as repo
from syncsettle.adapters.db.commercial import filings as filings_repo
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.domain import ledger
from syncsettle.domain.commercial import projections
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.commercial.synthesis import adjudicate_projected, projected_of
from syncsettle.domain.commercial.view import VisitView, view_from_json, view_to_json
from syncsettle.domain.commercial.vocabulary import SETTLING_STATUSES, Purpose, Route
from syncsettle.domain.identity import Principal
from syncsettle.domain.settlement.burden import remaining_total
from syncsettle.domain.settlement.commercial import ProductResult, accept
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.money import format_yuan
from syncsettle.services.commercial import prefund
from syncsettle.services.commercial.coverage import coverage_of
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.legs import Budget, Leg, Occasion, Pending, admit, ask, notify
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

CLAIM_PURPOSES = (Purpose.QUICK_CLAIM, Purpose.SETTLEMENT)
CLAIM_SETTLED = "claim.settled"  # outbox topic: a quick claim paid (its amounts only; the person is looked up)
WAITING = ("pending", "held", "rejected")  # statuses whose reason the person sees (rejected: the reviewer's)


def record_pending(conn: Connection, settlement: Mapping[str, Any], view: VisitView, pending: Sequence[Pending],
                   claim_ids: Mapping[str, str], now: Any) -> None:  # fmt: skip
    """One pending claim per leg that did not settle, and the view its claim will start from."""
    if not pending:
        return
    rows = []
    for item in pending:
        leg = item.leg
        rows.append(
            {**{k: settlement[k] for k in ("setl_id", "mdtrt_id", "psn_no", "insutype", "year", "setl_date")},
             "claim_id": claim_ids[leg.product.id], "product_id": leg.product.id, "filing_id": leg.filing["id"],
             "insurer_id": leg.insurer, "route": leg.route.value, "granularity": leg.granularity.value,
             "status": status_of(item), "reason_code": item.reason.value, "reason": _why(item), "attempts": 0,
             "next_attempt_at": now, "created_at": now, "updated_at": now}
        )  # fmt: skip
    repo.add_claims(conn, rows)
    repo.put_view(conn, settlement["setl_id"], settlement["psn_no"], view_to_json(view), now)


def status_of(item: Pending) -> str:
    """A leg held for risk review waits for a reviewer (``held``); any other waits to be retried."""
    return "held" if item.reason is PendingReason.RISK_REVIEW else "pending"


def _why(item: Pending) -> str:
    return item.reason.text + (f"（{item.detail}）" if item.detail else "")


def settle_claim(p: Platform, claim_id: str, actor: Principal) -> dict[str, Any]:
    """Try to settle one claim now; returns the claim as it stands afterwards (idempotent)."""
    with p.uow() as uow:
        claim = settle_in(p, uow.conn, claim_id, actor, p.clock.now())
        uow.commit()
        return claim


def settle_in(p: Platform, conn: Connection, claim_id: str, actor: Principal, now: Any) -> dict[str, Any]:
    """:func:`settle_claim` inside the caller's transaction (a 商保码 presentation settles with the
    record of its presentation); the caller commits. A claim no longer pending is returned as it is."""
    claim = _claim(conn, claim_id)
    if claim["status"] != "pending":
        return claim
    settlements_repo.lock_basic(conn, claim["psn_no"], claim["insutype"], claim["year"])
    # the product's cap is the person's, across insurance rows: a claim of the other row waits here
    settlements_repo.lock_products(conn, claim["psn_no"], claim["year"], [claim["product_id"]])
    claim = _claim(conn, claim_id)  # under the lock: a concurrent attempt may have settled it
    if claim["status"] != "pending":
        return claim
    occ = Occasion(claim["setl_id"], claim["psn_no"], claim["setl_date"], now, actor, CLAIM_PURPOSES, claim_id)
    outcome = _attempt(p, conn, claim, occ)
    if isinstance(outcome, Pending):
        _retry_later(p, conn, claim, outcome, actor, now)
    else:
        _pay(conn, claim, outcome[0], outcome[1], actor, now)
    return _claim(conn, claim_id)


def _claim(conn: Connection, claim_id: str) -> dict[str, Any]:
    found = repo.claim(conn, claim_id)
    if found is None:
        raise ServiceError(Code.NOT_FOUND, f"快赔 {claim_id} 不存在", "claim_id")
    return found


def _attempt(p: Platform, conn: Connection, claim: dict[str, Any],
             occ: Occasion) -> Pending | tuple[ProductResult, VisitView]:  # fmt: skip
    """The claim's adjudication taken from the view (not yet booked), or why not now."""
    filing = filings_repo.filing(conn, claim["filing_id"])
    assert filing is not None
    psn_no, product_id = claim["psn_no"], claim["product_id"]
    enrolled = [e for e in people.active_enrollments(conn, psn_no, claim["setl_date"]) if e["product_id"] == product_id]
    if not enrolled:
        raise ServiceError(Code.STATE, f"参保人在 {claim['setl_date']} 无 {product_id} 的有效参保", "claim_id")
    accs = settlements_repo.read_products(conn, psn_no, claim["year"], [product_id]).get(product_id, {})
    leg = Leg(filing, product_of(filing), coverage_of(enrolled[0], accs))  # the visit day's filing, even if newer exist
    if filing["status"] not in SETTLING_STATUSES:
        return Pending(leg, PendingReason.PRODUCT_SUSPENDED, f"备案状态 {filing['status']}")
    view = view_from_json(repo.get_view(conn, claim["setl_id"]) or {})
    consent = admit(conn, leg, occ)
    if isinstance(consent, Pending):
        return consent
    version = leg.product.version_on(view.setl_date)
    if leg.route is Route.EMBEDDED or version is None:
        claimed = adjudicate_projected(leg.product, leg.coverage, projected_of(view, version))
    else:
        asked = ask(p, conn, leg, view, occ, consent, Budget(p.commercial.budget_s))
        if isinstance(asked, Pending):
            return asked
        claimed = asked
    rows = view.burden()
    try:
        result = accept(leg.product, version, leg.coverage, rows, remaining_total(rows), claimed, view.med_type)
    except InvalidInput as exc:
        return Pending(leg, PendingReason.CHANNEL_REFUSED, str(exc))
    if not prefund.reserve(conn, leg.insurer, result.payable, claim["claim_id"], occ.now):
        return Pending(leg, PendingReason.PREFUND_EXHAUSTED)
    if leg.route is Route.EMBEDDED:
        notify(conn, leg, occ, consent, result)
    return result, view.with_rows(rows)


def _retry_later(p: Platform, conn: Connection, claim: dict[str, Any], item: Pending, actor: Principal,
                 now: Any) -> None:  # fmt: skip
    attempts = int(claim["attempts"]) + 1
    cfg = p.commercial
    wait = cfg.backoff_max_s if not item.reason.retried else min(cfg.backoff_max_s, (cfg.retry_s or 5) * 2**attempts)
    repo.attempted(
        conn, claim["claim_id"],
        {"reason_code": item.reason.value, "reason": _why(item), "attempts": attempts,
         "next_attempt_at": now + timedelta(seconds=wait), "requested_by": actor.label, "updated_at": now},
    )  # fmt: skip


def _pay(conn: Connection, claim: dict[str, Any], result: ProductResult, after: VisitView, actor: Principal,
         now: Any) -> None:  # fmt: skip
    deltas = [(result.product_id, r.id, r.deductible_applied, r.payable) for r in result.responsibilities
              if r.deductible_applied or r.payable]  # fmt: skip
    changed = repo.settle(
        conn, claim["claim_id"],
        {"payable": result.payable, "accumulator_delta": deltas, "result": rendered(result), "settled_at": now,
         "attempts": int(claim["attempts"]) + 1, "requested_by": actor.label, "updated_at": now},
    )  # fmt: skip
    if changed != 1:  # impossible under the person's lock; never book twice
        raise ServiceError(Code.CONFLICT, f"快赔 {claim['claim_id']} 已被并发处理", "claim_id")
    settlements_repo.add_to_products(conn, claim["psn_no"], claim["year"], deltas)
    repo.put_view(conn, claim["setl_id"], claim["psn_no"], view_to_json(after), now)
    settlements_repo.emit(conn, {"topic": CLAIM_SETTLED, "key": claim["claim_id"], "created_at": now, "payload": {
        "claim_id": claim["claim_id"], "setl_id": claim["setl_id"], "product_id": claim["product_id"],
        "insurer_id": claim["insurer_id"], "payable": format_yuan(result.payable)}})  # fmt: skip
    if result.payable:
        journal = ledger.claim_journal(claim["claim_id"], claim["insurer_id"], claim["psn_no"], result.payable)
        ledger_repo.book(conn, journal, now)
        prefund.pay_claim(conn, claim, result.payable, now)  # a prefunded insurer pays it out of its reserve


def rendered(result: ProductResult) -> dict[str, Any]:
    return {
        "payable": format_yuan(result.payable),
        "version": result.version,
        "responsibilities": [
            {"id": r.id, "name": r.name, "deductible_applied": format_yuan(r.deductible_applied),
             "payable": format_yuan(r.payable), "reason_code": r.reason_code, "reason": r.reason}
            for r in result.responsibilities
        ],
    }  # fmt: skip


def public(claim: Mapping[str, Any]) -> dict[str, Any]:
    """A claim as its person (or its insurer) sees it: status, amounts, reasons — no medical detail."""
    return {
        "claim_id": claim["claim_id"], "setl_id": claim["setl_id"], "setl_date": claim["setl_date"].isoformat(),
        "product_id": claim["product_id"], "insurer_id": claim["insurer_id"], "route": claim["route"],
        "status": claim["status"],
        "payable": format_yuan(claim["payable"]) if claim["payable"] is not None else None,
        "reason_code": claim["reason_code"] if claim["status"] in WAITING else None,
        "reason": claim["reason"] if claim["status"] in WAITING else None,
        "attempts": claim["attempts"], "result": claim["result"],
        "settled_at": claim["settled_at"].isoformat() if claim["settled_at"] else None,
    }  # fmt: skip


def for_insurer(claim: Mapping[str, Any]) -> dict[str, Any]:
    """A claim as its insurer sees it: status and amounts, and of the adjudication only what the
    ``result`` granularity carries (the payable; per responsibility its id, payable and result
    category) — every route's approved granularity covers that much. A pending claim shows its
    reason code and standard text, never the detail (which may quote what the patient owes)."""
    shown = public(claim)
    if claim["result"] is not None:
        keep = projections.NESTED["responsibilities"]
        shown["result"] = {"payable": claim["result"]["payable"],
                           "responsibilities": [{k: r[k] for k in sorted(keep)}
                                                for r in claim["result"]["responsibilities"]]}  # fmt: skip
    if claim["status"] == "pending":
        shown["reason"] = PendingReason(claim["reason_code"]).text
    return shown


def claims_of(
    p: Platform, *, psn_no: str | None = None, insurer_id: str | None = None,
    shown: Callable[[Mapping[str, Any]], dict[str, Any]] = public,
) -> list[dict[str, Any]]:  # fmt: skip
    """Claims of a person and/or on an insurer's products, each as ``shown`` (an insurer: :func:`for_insurer`)."""
    with p.uow(readonly=True) as uow:
        return [shown(c) for c in repo.claims_where(uow.conn, psn_no=psn_no, insurer_id=insurer_id)]


def on_reverse(conn: Connection, setl_id: str, now: Any) -> None:
    """A reversed settlement cancels its pending claims; one whose claim already settled cannot be
    reversed until that claim is handled (its payout and accumulators belong to the visit)."""
    settled = [c["claim_id"] for c in repo.claims_where(conn, setl_id=setl_id) if c["status"] == "settled"]
    if settled:
        raise ServiceError(Code.STATE, f"结算 {setl_id} 的商保快赔 {', '.join(settled)} 已赔付，不能撤销", "setl_id")
    repo.cancel_pending(conn, setl_id, now)  # and those held for review


def claim_row(p: Platform, claim_id: str) -> dict[str, Any] | None:
    """One claim as stored (its person included, for the caller's ownership check), or None."""
    with p.uow(readonly=True) as uow:
        return repo.claim(uow.conn, claim_id)
