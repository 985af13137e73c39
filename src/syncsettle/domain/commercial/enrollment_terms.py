"""Terms of an enrollment computed from the record (pure): consecutive-year and claim-history facts,
waiting period, pro-rata refunds, and the premium journals.

Premiums paid from the personal account move medical-insurance money to an insurer. The two ledgers
never meet in one journal: the medical journal moves the premium from the person's account to a
*premium transfer* account of the medical ledger (money on its way out to the insurer); the
commercial journal records the same amount arriving on the commercial side (a receivable from the
transfer) and the insurer's premium income. Clearing later pays the transfer out and brings both
transfer accounts to zero. A refund books the same pair with the signs reversed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from syncsettle.domain.ledger import Account, Journal, Posting, personal_account
from syncsettle.money import round_half_up

_YEAR_SUFFIX = re.compile(r"^(.*?)-(?:19|20)\d{2}(?:-[0-9a-z]+)?$")


def line_of(product_id: str) -> str:
    """The product series a yearly product id belongs to: ``yantai-shiminjiankangbao-2025`` →
    ``yantai-shiminjiankangbao``, ``hainan-huiqiongbao-2026-a`` → ``hainan-huiqiongbao``."""
    m = _YEAR_SUFFIX.match(product_id)
    return m.group(1) if m else product_id


@dataclass(frozen=True, slots=True)
class HistoryFacts:
    """What the product rules read about earlier years (see ``domain/rules/product.py``)."""

    enrolled_years: int  # this year included: 1 for a first enrollment
    claim_free_years: int  # consecutive enrolled years without a claim, counting back from last year
    claimed_last_year: bool


def history_facts(year: int, enrolled: set[int], claimed: set[int]) -> HistoryFacts:
    """Facts for an enrollment in ``year`` given the earlier years enrolled in the same series
    (whole years, not cancelled) and the years with a commercial payment for the person."""
    streak = 0
    while year - 1 - streak in enrolled:
        streak += 1
    claim_free = 0
    while year - 1 - claim_free in enrolled and year - 1 - claim_free not in claimed:
        claim_free += 1
    return HistoryFacts(1 + streak, claim_free, (year - 1) in enrolled and (year - 1) in claimed)


def waiting_until(begin: date, waiting_days: int, renewal: bool) -> date | None:
    """The last day of the waiting period of a new enrollment (``None`` when there is none, and for
    a renewal in the same series — continuous cover has no new waiting period)."""
    if waiting_days <= 0 or renewal:
        return None
    return begin + timedelta(days=waiting_days - 1)


def pro_rata_refund(premium: int, begin: date, end: date, cancel_on: date, claimed: bool) -> int:
    """Fen refunded when cover stops on ``cancel_on`` (that day no longer covered): the premium times
    the uncovered days over the term's days, rounded half-up; nothing once a claim was paid in the
    term; everything when cancelled before cover began."""
    if claimed or cancel_on > end:
        return 0
    days = (end - begin).days + 1
    remaining = (end - max(cancel_on, begin)).days + 1
    return round_half_up(premium * remaining, days)


def premium_transfer(insurer: str) -> Account:
    return Account(f"med:premium:{insurer}", "medical", "premium_transfer", f"商保保费划出 {insurer}")


def premium_receivable(insurer: str) -> Account:
    return Account(
        f"com:premium:{insurer}:receivable", "commercial", "premium_receivable", f"{insurer} 应收医保划入保费"
    )


def insurer_premium(insurer: str) -> Account:
    return Account(f"com:insurer:{insurer}:premium", "commercial", "insurer_premium", f"{insurer} 保费收入")


def premium_journals(ref: str, payer_psn_no: str, insurer: str, amount: int, *, refund: bool = False) -> list[Journal]:
    """The medical and the commercial journal of a premium of ``amount`` fen paid from the personal
    account of ``payer_psn_no`` to ``insurer`` (or refunded to it, with ``refund``)."""
    signed = -amount if refund else amount
    kind, memo = ("premium_refund", "商保保费退还个人账户") if refund else ("premium", "个人账户支付商保保费")
    med = Journal(
        f"{ref}:med", "medical", kind, None, memo,
        (Posting(personal_account(payer_psn_no), -signed), Posting(premium_transfer(insurer), signed)),
    )  # fmt: skip
    com = Journal(
        f"{ref}:com", "commercial", kind, None, memo,
        (Posting(premium_receivable(insurer), signed), Posting(insurer_premium(insurer), -signed)),
    )  # fmt: skip
    return [med, com]
