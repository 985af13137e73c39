"""The insured person's side of enrollment: the prefilled form, their policies, cancellation.

Cancellation takes effect on the day it is asked for (that day is no longer covered). The refund is
pro rata to the uncovered days (``enrollment_terms.pro_rata_refund``), nothing once the product
paid a claim in the term; a premium paid from the personal account goes back to it under the
person's settlement lock, booked as the reverse pair of the premium journals.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial import enrollments as repo
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement.settlements import lock_basic
from syncsettle.domain.commercial.enrollment_terms import premium_journals, pro_rata_refund
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.privacy import mask_certno
from syncsettle.money import format_yuan
from syncsettle.services.commercial.enrollment import open_filing, term_end
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform


def _insured(actor: Principal) -> None:
    if actor.role is not Role.INSURED:
        raise ServiceError(Code.FORBIDDEN, "仅限参保人本人")


def enrollment_form(p: Platform, actor: Principal, product_id: str) -> dict[str, Any]:
    """What the one-click form shows the person before they confirm: their own data from the
    medical-insurance domain (name in clear, certificate number masked), the personal accounts that
    can pay, the premium, the term and the consents the click grants. Nothing leaves the domain."""
    _insured(actor)
    day = business_date(p.clock.now())
    with p.uow(readonly=True) as uow:
        filing = open_filing(uow.conn, product_id, day)
        stored = people.person(uow.conn, actor.tenant)
        if stored is None:
            raise ServiceError(Code.NOT_FOUND, f"人员编号 {actor.tenant} 不存在", "psn_no")
        person = p.pii.open(stored)
        rows = people.insurance(uow.conn, actor.tenant)
    product = product_of(filing)
    version = product.version_on(day)
    return {
        "product": {"product_id": product_id, "name": product.name, "insurer_id": filing["insurer_id"],
                    "filing_id": filing["id"], "route": filing["route"], "granularity": filing["granularity"],
                    "premium": format_yuan(int(filing["premium"])), "begndate": day.isoformat(),
                    "enddate": term_end(filing, day).isoformat(),
                    "waiting_period_days": version.waiting_period_days if version else 0},
        "person": {"psn_no": person["psn_no"], "psn_name": person["psn_name"], "certno": mask_certno(person["certno"]),
                   "gend": person["gend"], "brdy": person["brdy"].isoformat(),
                   "insuplc_admdvs": person["insuplc_admdvs"]},
        "accounts": [{"insutype": r["insutype"], "balc": format_yuan(int(r["balc"]))} for r in rows],
        "consents": [{"purpose": Purpose.UNDERWRITING.value, "granularity": Granularity.RESULT.value},
                     {"purpose": Purpose.SETTLEMENT.value, "granularity": filing["granularity"]}],
    }  # fmt: skip


def view(row: dict[str, Any]) -> dict[str, Any]:
    """An enrollment as its holder and insured person see it (amounts as yuan strings)."""
    return {
        "enrollment_id": row["id"], "psn_no": row["psn_no"], "holder_psn_no": row["holder_psn_no"],
        "product_id": row["product_id"], "insurer_id": row["insurer_id"], "filing_id": row["filing_id"],
        "begndate": row["begndate"].isoformat(), "enddate": row["enddate"].isoformat(), "status": row["status"],
        "underwriting_class": row["underwriting_class"], "enrolled_years": row["enrolled_years"],
        "claim_free_years": row["claim_free_years"], "claimed_last_year": bool(row["claimed_last_year"]),
        "waiting_until": row["waiting_until"].isoformat() if row["waiting_until"] else None,
        "premium": format_yuan(int(row["premium"])), "paid_by": row["paid_by"],
        "refund": format_yuan(int(row["refund"])),
    }  # fmt: skip


def my_policies(p: Platform, actor: Principal) -> list[dict[str, Any]]:
    _insured(actor)
    with p.uow(readonly=True) as uow:
        return [view(r) for r in repo.of_person(uow.conn, actor.tenant)]


def _cancellable(conn: Connection, actor: Principal, enrollment_id: int) -> dict[str, Any]:
    """The enrollment, if the person is covered by it or holds it (404 / 403 otherwise)."""
    row = repo.get(conn, enrollment_id)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"参保记录 {enrollment_id} 不存在", "enrollment_id")
    if actor.tenant not in (row["psn_no"], row["holder_psn_no"]):
        raise ServiceError(Code.FORBIDDEN, "只能退保本人或本人投保的参保记录")
    return row


def _refund(conn: Connection, row: dict[str, Any], today: date) -> int:
    """Fen refunded on cancelling ``row`` today: pro rata to the uncovered days, 0 after a claim paid in the term."""
    paid = repo.product_payments(conn, row["psn_no"], [row["product_id"]], row["begndate"], row["enddate"])
    return pro_rata_refund(int(row["premium"]), row["begndate"], row["enddate"], today, sum(paid.values()) > 0)


def refund_quote(p: Platform, actor: Principal, enrollment_id: int) -> dict[str, Any]:
    """What cancelling today would refund (the confirmation step shows it; nothing is written):
    the enrollment's view with ``refund`` set to the amount :func:`cancel` would pay back now."""
    _insured(actor)
    with p.uow(readonly=True) as uow:
        row = _cancellable(uow.conn, actor, enrollment_id)
        refund = _refund(uow.conn, row, business_date(p.clock.now())) if row["status"] == "active" else 0
    return view({**row, "refund": refund})


def cancel(p: Platform, actor: Principal, enrollment_id: int) -> dict[str, Any]:
    """Cancel an enrollment the person holds or is covered by; returns it with the refund."""
    _insured(actor)
    now = p.clock.now()
    today = business_date(now)
    with p.uow() as uow:
        conn = uow.conn
        row = _cancellable(conn, actor, enrollment_id)
        refund = _refund(conn, row, today)
        last_day = today - timedelta(days=1)
        values = {"cancelled_at": now, "refund": refund,
                  "enddate": last_day if last_day >= row["begndate"] else row["enddate"]}  # fmt: skip
        if repo.cancel(conn, enrollment_id, **values) != 1:
            raise ServiceError(Code.STATE, f"参保记录 {enrollment_id} 已退保", "enrollment_id")
        payer = row["holder_psn_no"] or row["psn_no"]
        if refund and row["paid_by"] == "personal_account":
            insutype = row["paid_from_insutype"]
            lock_basic(conn, payer, insutype, today.year)
            balance = int(people.insurance_row(conn, payer, insutype)["balc"])  # type: ignore[index]
            people.set_balance(conn, payer, insutype, balance + refund)
            for journal in premium_journals(f"EN{enrollment_id}:refund", payer, row["insurer_id"], refund, refund=True):
                ledger_repo.book(conn, journal, now)
        ref = [f"enrollment:{enrollment_id}"]
        record(conn, now, Use(actor, Action.DECISION, "enrollment", row["insurer_id"] or "", ref, [],
                              psn_no=row["psn_no"], reason=f"cancelled, refund {format_yuan(refund)}"))  # fmt: skip
        uow.commit()
    return view({**row, **values, "status": "cancelled"})
