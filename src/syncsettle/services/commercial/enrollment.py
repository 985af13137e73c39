"""One-click enrollment (一键投保): the insured person enrolls themself and family members in a product
that is on sale, with their data prefilled from the medical-insurance domain, and pays the premium
from their personal account (家庭共济) or in cash.

In one transaction: the consents the person agreed to (with signed receipts), underwriting of
each insured person inside the domain (the insurer gets only the class; a declined person is not
enrolled), the consecutive-year and claim-history facts from earlier years, the waiting period,
the enrollments and — when paid from the personal account — the balance taken under the person's
settlement lock and the premium booked as a medical and a commercial journal
(``domain/commercial/enrollment_terms.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.commercial import enrollments as repo
from syncsettle.adapters.db.commercial.commercial import filing_in_force
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement.settlements import lock_basic
from syncsettle.domain.commercial.enrollment_terms import history_facts, line_of, premium_journals, waiting_until
from syncsettle.domain.commercial.lifecycle import ENROLLING_STATUSES
from syncsettle.domain.commercial.underwriting import UnderwritingClass
from syncsettle.domain.commercial.vocabulary import FilingStatus, Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.money import format_yuan
from syncsettle.services.commercial import consents
from syncsettle.services.commercial.filings import product_of
from syncsettle.services.commercial.underwriting import underwrite
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

PAID_BY = ("personal_account", "cash")


@dataclass(frozen=True)
class Member:
    """A family member named by the person enrolling them: certificate number and name must match."""

    certno: str
    psn_name: str


def open_filing(conn: Connection, product_id: str, day: date) -> dict[str, Any]:
    """The filing of ``product_id`` taking enrollments on ``day`` (on sale or active, inside its window)."""
    filing = filing_in_force(conn, product_id, day)
    if filing is None or FilingStatus(filing["status"]) not in ENROLLING_STATUSES:
        raise ServiceError(Code.STATE, f"产品 {product_id} 在 {day} 不接受投保（未备案、未上市或已暂停）", "product_id")
    return filing


def term_end(filing: dict[str, Any], day: date) -> date:
    """Cover runs to the end of the product year (31 December) or of the approved window, whichever
    comes first; the next year is a renewal."""
    end: date = min(filing["approved_to"], date(day.year, 12, 31))
    return end


def _members(p: Platform, conn: Connection, holder: str, members: list[Member]) -> list[str]:
    found = [holder]
    for i, member in enumerate(members):
        row = people.person_by_certno_index(conn, p.pii.certno_index(member.certno))
        if row is None or p.pii.open(row)["psn_name"] != member.psn_name.strip():
            raise ServiceError(Code.NOT_FOUND, "未找到与姓名、证件号码一致的参保人", f"members[{i}]")
        if row["psn_no"] not in found:
            found.append(row["psn_no"])
    return found


def facts(conn: Connection, psn_no: str, line: str, year: int) -> dict[str, Any]:
    """``enrolled_years``/``claim_free_years``/``claimed_last_year`` from earlier whole years in the series."""
    earlier = [r for r in repo.series(conn, psn_no) if (r["line"] or line_of(r["product_id"])) == line]
    enrolled = {r["begndate"].year for r in earlier if r["status"] == "active" and r["begndate"].year < year}
    paid = repo.product_payments(conn, psn_no, sorted({r["product_id"] for r in earlier}))
    f = history_facts(year, enrolled, {y for y, amount in paid.items() if amount > 0})
    return {"enrolled_years": f.enrolled_years, "claim_free_years": f.claim_free_years,
            "claimed_last_year": f.claimed_last_year}  # fmt: skip


def _consent(
    conn: Connection, p: Platform, at: datetime, actor: Principal, psn_no: str, filing: dict[str, Any], day: date,
    granted: list[dict[str, Any]] | None,
) -> str | None:  # fmt: skip
    """The underwriting consent's id, or ``None`` after an audited refusal. When the person agreed in
    this click (``granted`` is a list), the underwriting and settlement consents are granted first
    and appended to ``granted``."""
    if granted is not None:
        end = term_end(filing, day)
        for purpose, granularity in ((Purpose.UNDERWRITING, Granularity.RESULT),
                                     (Purpose.SETTLEMENT, Granularity(filing["granularity"]))):  # fmt: skip
            granted.append(
                consents.grant_in(conn, p, actor, psn_no, filing["insurer_id"], purpose, granularity, day, end)
            )
    consent = consents.release_gate(
        conn, at, actor, psn_no, filing["insurer_id"], Purpose.UNDERWRITING, Granularity.RESULT, day,
        [f"filing:{filing['id']}"], ["underwriting_class"],
    )  # fmt: skip
    return None if isinstance(consent, consents.Refused) else str(consent["id"])


def _pay(conn: Connection, holder: str, insutype: str | None, amount: int, year: int) -> str:
    """Take ``amount`` fen from the holder's personal account (the row ``insutype``, else the one
    with the largest balance) under the same lock settlements take; returns the insutype used."""
    rows = people.insurance(conn, holder)
    if insutype is not None:
        rows = [r for r in rows if r["insutype"] == insutype]
    if not rows:
        raise ServiceError(Code.BALANCE, "没有可用于支付保费的个人账户", "insutype")
    row = max(rows, key=lambda r: int(r["balc"]))
    lock_basic(conn, holder, row["insutype"], year)  # serialise with the person's settlements
    balance = int(people.insurance_row(conn, holder, row["insutype"])["balc"])  # type: ignore[index]
    if balance < amount:
        raise ServiceError(
            Code.BALANCE, f"个人账户余额 {format_yuan(balance)} 不足以支付保费 {format_yuan(amount)}", "paid_by"
        )
    people.set_balance(conn, holder, row["insutype"], balance - amount)
    return str(row["insutype"])


def enroll(
    p: Platform, actor: Principal, product_id: str, *, members: list[Member] | None = None,
    paid_by: str = "personal_account", insutype: str | None = None, agree: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Enroll the person ``actor`` (and ``members``) in ``product_id`` from today to the end of the
    product year (:func:`term_end`). ``agree`` grants the underwriting and settlement consents the
    product needs in the same click. Returns the enrollments, the declined persons and the consents."""
    if actor.role is not Role.INSURED:
        raise ServiceError(Code.FORBIDDEN, "只有参保人本人可以投保")
    if paid_by not in PAID_BY:
        raise ServiceError(Code.FIELD, f"paid_by 只能是 {' 或 '.join(PAID_BY)}", "paid_by")
    now = p.clock.now()
    day = business_date(now)
    with p.uow() as uow:
        conn = uow.conn
        filing = open_filing(conn, product_id, day)
        version = product_of(filing).version_on(day)
        if version is None:
            raise ServiceError(Code.STATE, f"产品 {product_id} 在 {day} 没有有效版本", "product_id")
        insured = _members(p, conn, actor.tenant, members or [])
        repo.lock_persons(conn, insured)  # two clicks at once enroll once
        accepted: list[tuple[str, UnderwritingClass, dict[str, Any]]] = []
        declined: list[str] = []
        granted: list[dict[str, Any]] | None = [] if agree else None
        for psn_no in insured:
            if repo.overlapping(conn, psn_no, product_id, day, term_end(filing, day)):
                raise ServiceError(Code.DUPLICATE, f"{psn_no} 已参保 {product_id}", "product_id")
            consent_id = _consent(conn, p, now, actor, psn_no, filing, day, granted)
            if consent_id is None:
                uow.commit()  # keep the audited refusal; nothing was released or enrolled
                raise ServiceError(
                    Code.CONSENT, f"{psn_no} 未授权 {filing['insurer_id']} 核保（underwriting）", "agree"
                )
            klass = underwrite(conn, now, actor, psn_no, filing, day, consent_id)
            if klass is UnderwritingClass.DECLINED:
                declined.append(psn_no)
            else:
                accepted.append((psn_no, klass, facts(conn, psn_no, filing["line"], day.year)))
        if not accepted:
            uow.commit()  # the underwriting reads and releases stay on the record
            raise ServiceError(Code.DECLINED, "核保未通过，不能投保该产品", "product_id")
        premium = int(filing["premium"])
        paid_from = (
            _pay(conn, actor.tenant, insutype, premium * len(accepted), day.year) if paid_by == PAID_BY[0] else None
        )
        out = []
        for psn_no, klass, fact in accepted:
            row = {
                "psn_no": psn_no, "product_id": product_id, "begndate": day, "enddate": term_end(filing, day),
                "status": "active", "pre_existing": klass is UnderwritingClass.PRE_EXISTING, **fact,
                "filing_id": filing["id"], "insurer_id": filing["insurer_id"], "holder_psn_no": actor.tenant,
                "underwriting_class": klass.value, "premium": premium, "paid_by": paid_by,
                "paid_from_insutype": paid_from, "refund": 0, "created_at": now, "cancelled_at": None,
                "waiting_until": waiting_until(day, version.waiting_period_days, fact["enrolled_years"] > 1),
            }  # fmt: skip
            row["id"] = people.add_enrollment(conn, row)
            if paid_from is not None:
                for journal in premium_journals(f"EN{row['id']}:premium", actor.tenant, filing["insurer_id"], premium):
                    ledger_repo.book(conn, journal, now)
            out.append(row)
        uow.commit()
    return {"enrollments": out, "declined": declined, "consents": granted or []}
