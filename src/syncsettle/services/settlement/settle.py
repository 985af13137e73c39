"""Pre-settlement (2206/2303: a quote, nothing written) and settlement (2207/2304: one transaction).

A settlement commits together, or not at all: the settlement and every payer's share, the
person's accumulators (locked for the transaction), the fee lines marked settled, the personal
account balance, the balanced journals of both ledgers, the commercial legs that could not settle
(pending claims, with their reasons), every release or refusal of data to an insurer (audit log),
the idempotency record and the outbox event. The 事中 risk findings come first: a product whose
hold threshold they reach has its leg held for review (a ``held`` claim) before anything leaves.
A leg its insurer's prefunding cannot cover waits as a ``prefund_exhausted`` claim. Remote
commercial legs are asked while the person is locked, within the time budget
(:mod:`syncsettle.services.commercial.legs`). It is idempotent on the hospital's ``msgid``: a
repeat returns the first answer and books nothing; the same ``msgid`` with a different request is
refused.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.settlement import benefits as benefit_repo
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import settlements as repo
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain import ledger
from syncsettle.domain.commercial.view import view_of
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.waterfall import Settlement, Waterfall, begin
from syncsettle.money import format_yuan
from syncsettle.services.commercial import claims, legs, reviews
from syncsettle.services.commercial.legs import Occasion
from syncsettle.services.computing.risk import Screening, attach_findings, settlement_screening
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.person_benefits import FAMILY_INSUTYPE
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.answer import render
from syncsettle.services.settlement.common import new_id, open_visit
from syncsettle.services.settlement.inputs import (
    VisitInputs,
    basic_delta,
    disease_delta,
    load,
    product_deltas,
)


def claim_ids_of(setl_id: str, pending: list[legs.Pending]) -> dict[str, str]:
    """Product → the claim id of its pending leg: the settlement's id and the leg's place in the order
    the legs took their turn (filing priority), so a visit's claims sort — and the platform's retry
    settles them — in that order, the same on every run."""
    return {item.leg.product.id: f"CL{setl_id.removeprefix('ST')}{n:02d}" for n, item in enumerate(pending, 1)}


def request_hash(infno: str, payload: Any) -> str:
    return hashlib.sha256(json.dumps([infno, payload], sort_keys=True, default=str).encode()).hexdigest()


@contextmanager
def _pricing() -> Iterator[None]:
    """Input the engine cannot price is the hospital's field error."""
    try:
        yield
    except InvalidInput as exc:
        raise ServiceError(Code.FIELD, exc.reason, exc.field) from None


def _begin(vi: VisitInputs, day: Any) -> Waterfall:
    """Steps 1–3 of the waterfall; the products of ``vi.legs`` take their turn afterwards."""
    with _pricing():
        return begin(
            day=day, person=vi.person, bill=vi.bill, products=[leg.product for leg in vi.legs],
            basic_accumulators=vi.basic, catalogue=vi.catalogue, policy=vi.version,
        )  # fmt: skip


def hospital_actor(hospital: Hospital) -> Principal:
    """The hospital whose settlement request releases data (for the audit log)."""
    code = hospital.fixmedins_code
    return Principal(Role.HOSPITAL, code, hospital.fixmedins_name, f"fsi:{code}")


def pre_settle(
    p: Platform, hospital: Hospital, mdtrt_id: str, psn_no: str | None, use_account: bool,
    batch: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A quote: every commercial leg that may settle is priced here; nothing leaves the domain."""
    now = p.clock.now()
    day = business_date(now)
    with p.uow(readonly=True) as uow:
        visit = open_visit(uow.conn, mdtrt_id, hospital.fixmedins_code, psn_no)
        vi = load(p, uow.conn, visit, hospital, day, locked=None, use_account=use_account, batch=batch)
        w = _begin(vi, day)
        occasion = Occasion("", vi.person.psn_no, day, now, hospital_actor(hospital))
        screening = settlement_screening(p, uow.conn, vi, day)
        with _pricing():
            pending = legs.quote_legs(uow.conn, w, vi.legs, occasion, held_products(vi, screening))
            return attach_findings(render(w.finish(), vi, None, now, pending), screening)


def held_products(vi: VisitInputs, screening: Screening) -> frozenset[str]:
    """The products whose commercial leg the findings hold for review (never the basic leg)."""
    return frozenset(leg.product.id for leg in vi.legs if screening.holds(leg.product.id))


FAMILY_PAYER = "acct_mulaid:"  # a family member's personal account (家庭共济) as a settlement share's payer


def shares(s: Settlement) -> list[tuple[str, str, int]]:
    """(payer, kind, fen) of every payer with a non-zero share; they add up to the total."""
    out = [(d.fund_pay_type, "fund", d.fund_payamt) for d in s.basic.details if d.fund_payamt]
    out += [(f"product:{r.product_id}", "product", r.payable) for r in s.products if r.payable]
    if s.acct_pay:
        out.append(("acct", "personal_account", s.acct_pay))
    out += [(f"{FAMILY_PAYER}{holder}", "personal_account", amount) for holder, amount in s.family_payments if amount]
    if s.cash:
        out.append(("cash", "cash", s.cash))
    return out


def settle_visit(
    p: Platform, hospital: Hospital, msgid: str, infno: str, mdtrt_id: str, psn_no: str | None,
    use_account: bool, stated_total: int | None, payload: Any, batch: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """Settle the visit's unsettled lines (of one charge batch, ``chrg_bchno``, when named). Retried
    (the whole transaction) when a concurrent duplicate ``msgid`` wins the race or the database
    reports a deadlock/serialisation failure; any other constraint violation is no conflict and is
    raised as it is."""
    for attempt in range(1, 4):
        try:
            return _settle_once(p, hospital, msgid, infno, mdtrt_id, psn_no, use_account, stated_total, payload, batch)
        except (IntegrityError, OperationalError) as exc:
            if isinstance(exc, OperationalError) and not retryable(exc):
                raise
            if isinstance(exc, IntegrityError) and not repo.msgid_taken(exc):
                raise
            if attempt == 3:
                raise ServiceError(Code.CONFLICT, "并发冲突，请重试", None) from None
    raise AssertionError("unreachable")


def retryable(exc: OperationalError) -> bool:
    """Deadlock (40P01) or serialisation failure (40001) on PostgreSQL; "database is locked" on SQLite."""
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("40P01", "40001") or "database is locked" in str(exc.orig)


def replay(conn: Any, msgid: str, infno: str, payload: Any, hospital: Hospital) -> dict[str, Any] | None:
    """The stored answer of an earlier identical request with this ``msgid`` (or a refusal)."""
    seen = repo.remembered(conn, msgid)
    if seen is None:
        return None
    if seen["request_sha256"] != request_hash(infno, payload) or seen["fixmedins_code"] != hospital.fixmedins_code:
        raise ServiceError(Code.DUPLICATE, f"报文ID {msgid} 已用于另一笔交易", "msgid")
    response: dict[str, Any] = seen["response"]
    return response


def _settle_once(
    p: Platform, hospital: Hospital, msgid: str, infno: str, mdtrt_id: str, psn_no: str | None,
    use_account: bool, stated_total: int | None, payload: Any, batch: str | None,
) -> dict[str, Any]:  # fmt: skip
    now = p.clock.now()
    day = business_date(now)
    code = hospital.fixmedins_code
    with p.uow() as uow:
        conn = uow.conn
        visit = open_visit(conn, mdtrt_id, code, psn_no)
        # serialise on the person first: everything read after this sees what earlier settlements committed
        basic = repo.lock_basic(conn, visit["psn_no"], visit["insutype"], day.year)
        earlier = replay(conn, msgid, infno, payload, hospital)  # checked under the lock: no race with a duplicate
        if earlier is not None:
            return earlier
        vi = load(p, conn, visit, hospital, day, locked=basic, use_account=use_account, batch=batch)
        w = _begin(vi, day)
        total = w.leg.totals.medfee_sumamt
        if stated_total is not None and stated_total != total:
            raise ServiceError(
                Code.FIELD,
                f"医疗费总额 {format_yuan(stated_total)} 与已上传明细合计 {format_yuan(total)} 不符",
                "medfee_sumamt",
            )
        setl_id = new_id("ST")
        occasion = Occasion(setl_id, vi.person.psn_no, day, now, hospital_actor(hospital))
        screening = settlement_screening(p, conn, vi, day)  # before the legs: findings may hold one
        with _pricing():
            # remote legs: within the time budget; each leg reserves against its insurer's prefunding
            pending = legs.settle_legs(p, conn, w, vi.legs, occasion, held_products(vi, screening))
            s = w.finish()
        claim_ids = claim_ids_of(setl_id, pending)
        output = attach_findings(render(s, vi, setl_id, now, pending, claim_ids, msgid), screening)
        basic_change = basic_delta(vi.basic, s.basic_after)
        disease_change = disease_delta(vi.basic, s.basic_after)
        product_change = product_deltas(s)
        family = [(holder, amount) for holder, amount in s.family_payments if amount]
        delta: dict[str, Any] = {"basic": basic_change, "products": product_change}
        if disease_change:
            delta["diseases"] = disease_change
        if family:
            delta["family"] = [list(pair) for pair in family]
        payer_shares = shares(s)
        row = {
            "setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": vi.person.psn_no, "insutype": vi.person.insutype,
            "fixmedins_code": code, "msgid": msgid, "med_type": vi.bill.med_type,
            "clr_type": output["setlinfo"]["clr_type"], "setl_time": now, "setl_date": day, "year": vi.year,
            "benefit": s.basic.benefit, "medfee_sumamt": s.total, "fund_pay_sumamt": s.public_funds,
            "commercial_sumamt": s.commercial, "acct_pay": s.acct_pay, "acct_mulaid_pay": s.acct_mulaid_pay,
            "psn_cash_pay": s.cash,
            "status": "settled", "refd_setl_flag": "0", "reverses": None, "reversed_by": None,
            "accumulator_delta": delta, "output": output, "created_at": now,
        }  # fmt: skip
        repo.add_settlement(
            conn, row,
            [{"setl_id": setl_id, "payer": payer, "payer_kind": kind, "amount": amount}
             for payer, kind, amount in payer_shares],
        )  # fmt: skip
        claims.record_pending(conn, row, view_of(w, setl_id), pending, claim_ids, now)
        reviews.record_holds(conn, setl_id, pending, claim_ids, output["risk"], now)
        repo.add_to_basic(conn, vi.person.psn_no, vi.person.insutype, vi.year, basic_change)
        benefit_repo.add_to_diseases(conn, vi.person.psn_no, vi.person.insutype, vi.year, disease_change)
        repo.add_to_products(conn, vi.person.psn_no, vi.year, product_change)
        visit_repo.mark_settled(conn, mdtrt_id, [line["feedetl_sn"] for line in vi.lines], setl_id)
        # the accounts that paid were locked when their balances were read (inputs.load): debited relative
        benefit_repo.add_to_balance(conn, vi.person.psn_no, vi.person.insutype, -s.acct_pay)
        for holder, amount in family:
            benefit_repo.add_to_balance(conn, holder, FAMILY_INSUTYPE, -amount)
        insurers = {leg.product.id: leg.insurer for leg in vi.legs}  # the filing's insurer is the one that pays
        for journal in ledger.settlement_journals(
            setl_id=setl_id,
            hospital=code,
            insured_region=vi.person.insured_region,
            psn_no=vi.person.psn_no,
            fund_shares=[(d.fund_pay_type, d.fund_payamt) for d in s.basic.details],
            acct_pay=s.acct_pay,
            family_shares=family,
            product_shares=[(insurers[r.product_id], r.product_id, r.payable) for r in s.products],
        ):
            ledger_repo.book(conn, journal, now)
        repo.remember(
            conn,
            {"msgid": msgid, "fixmedins_code": code, "infno": infno, "request_sha256": request_hash(infno, payload),
             "response": output, "created_at": now},
        )  # fmt: skip
        repo.emit(
            conn, {"topic": "settlement.settled", "key": setl_id, "payload": output["summary"], "created_at": now}
        )
        uow.commit()
        return output
