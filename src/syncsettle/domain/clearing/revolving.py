"""The revolving fund (周转金) of cross-region settlement (pure): integer fen, no I/O, no clock.

Each insured region (参保地) advances a revolving fund to each treatment region (就医地) whose
hospitals treat its insured. The treatment region pays its hospitals for those visits out of the
fund; each month's clearing settles with the insured region and tops the fund back up to its level.

The fund of one pair (insured region, treatment region) is a ledger of signed entries; its balance
is their sum:

- ``advance`` (> 0): the insured region advances money (the opening advance, or an extra one);
- ``draw`` (< 0 for a settlement, > 0 for its reversal): what the treatment region paid its hospital
  on the insured region's behalf for one cross-region settlement — every medical share of it (the
  funds and the personal accounts), never the patient's cash nor a commercial leg;
- ``top_up`` (either sign): the month's settlement with the insured region, which brings the
  balance back to the month's level (negative when the level went down: money goes back).

Every entry has a *value date*: an advance its business date, a draw its settlement's business
date, a top-up the last day of the month it settles. The balance at the end of month M is the sum
of the entries valued on or before that day, so a draw of the next month already on the ledger does
not change what month M settles.

The medical ledger mirrors the fund (double entry, as the insurers' reserves are mirrored):
``med:revolving:<insured>:<treatment>`` holds it (debited by advances and top-ups, credited by
draws) against ``…:source``, what the insured region has put in net of what the fund paid out. So
the fund's balance is the ledger balance of its account (``syncsettle check`` verifies it).

Level (*modelled*, reference rules): two months of the average monthly cross-region payments (the
net draws) over the last three closed months, rounded half-up to the fen, never below
:data:`MINIMUM_LEVEL` (100,000.00 yuan). A month without payments counts as zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from syncsettle.domain.clearing.reconciliation import AMOUNT_DIFFERS, MATCHED, Finding
from syncsettle.domain.ledger import Account, Journal, Posting
from syncsettle.money import format_yuan, round_half_up

MINIMUM_LEVEL = 10_000_000  # fen: 100,000.00 yuan
LEVEL_MONTHS = 3  # the average is taken over this many closed months
LEVEL_COVER = 2  # the fund holds this many average months
WARNING_SHARE = (3, 10)  # a balance below 30 % of the level is flagged (预警)

# reconciliation of the ledger's draws against the cross-region settlements
MISSING_DRAW = "missing_draw"  # a cross-region settlement the fund never paid
DRAW_WITHOUT_SETTLEMENT = "draw_without_settlement"  # a draw naming no cross-region settlement of the pair
DESCRIPTIONS = {
    MATCHED: "一致",
    MISSING_DRAW: "周转金未支付该笔异地结算",
    DRAW_WITHOUT_SETTLEMENT: "周转金支付了不存在的异地结算",
    AMOUNT_DIFFERS: "周转金支付金额与结算不符",
}


class Kind(StrEnum):
    ADVANCE = "advance"
    DRAW = "draw"
    TOP_UP = "top_up"


@dataclass(frozen=True, slots=True)
class Entry:
    """One ledger entry of a fund: signed fen (positive adds to the fund), valued on ``day``."""

    kind: Kind
    amount: int
    day: date
    ref: str  # the advance's id, the settlement's setl_id, or the period settled (``2025-06``)

    def __post_init__(self) -> None:
        if self.kind is Kind.ADVANCE and self.amount <= 0:
            raise ValueError("an advance adds money to the fund")


def balance(entries: Sequence[Entry], through: date | None = None) -> int:
    """The fund's balance in fen: every entry, or those valued on or before ``through``."""
    return sum(e.amount for e in entries if through is None or e.day <= through)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(day: date) -> date:
    return next_month(day) - timedelta(days=1)


def previous_months(month: date, n: int) -> list[date]:
    """The first days of ``month`` and the ``n - 1`` months before it, oldest first."""
    out = [month_start(month)]
    while len(out) < n:
        out.insert(0, month_start(out[0] - timedelta(days=1)))
    return out


def paid_in_month(entries: Sequence[Entry], month: date) -> int:
    """What the fund paid out in ``month`` for settlements, net of reversals (≥ 0 when payments
    outweigh refunds): minus the sum of the month's draws."""
    begin, end = month_start(month), month_end(month)
    return -sum(e.amount for e in entries if e.kind is Kind.DRAW and begin <= e.day <= end)


def level(monthly_payments: Sequence[int]) -> int:
    """The fund's level from the net payments of the last :data:`LEVEL_MONTHS` closed months (fen,
    oldest first; fewer means the missing months paid nothing): ``2 × sum / 3`` half-up, a negative
    month counted as zero, at least :data:`MINIMUM_LEVEL`."""
    if len(monthly_payments) > LEVEL_MONTHS:
        raise ValueError(f"the level looks at {LEVEL_MONTHS} months")
    total = sum(max(0, m) for m in monthly_payments)
    return max(MINIMUM_LEVEL, round_half_up(LEVEL_COVER * total, LEVEL_MONTHS))


def level_for(entries: Sequence[Entry], month: date) -> int:
    """The level month ``month``'s clearing tops the fund up to: from ``month`` and the two before."""
    return level([paid_in_month(entries, m) for m in previous_months(month, LEVEL_MONTHS)])


@dataclass(frozen=True, slots=True)
class PeriodSettlement:
    """Month ``month``'s settlement of a fund with its insured region (fen)."""

    month: date  # first day of the month
    paid: int  # the month's net payments (draws) for cross-region settlements
    balance_before: int  # the balance at the end of the month, before the top-up
    level: int
    top_up: int  # level − balance_before: the insured region pays it (returned to it when negative)

    @property
    def balance_after(self) -> int:
        return self.balance_before + self.top_up

    def entry(self) -> Entry:
        return Entry(Kind.TOP_UP, self.top_up, month_end(self.month), self.month.strftime("%Y-%m"))


def settle_month(entries: Sequence[Entry], month: date) -> PeriodSettlement:
    """What month ``month``'s clearing settles: the balance at its end (entries valued on or before
    its last day), the level from its last three months, and the top-up that restores the level."""
    first = month_start(month)
    paid = [paid_in_month(entries, m) for m in previous_months(first, LEVEL_MONTHS)]
    return settlement_of(first, paid, balance(entries, month_end(first)))


def settlement_of(month: date, monthly_payments: Sequence[int], balance_before: int) -> PeriodSettlement:
    """:func:`settle_month` from aggregates: the net payments of ``month`` and the two months before
    it (oldest first, ``month``'s last) and the balance at ``month``'s end."""
    if len(monthly_payments) != LEVEL_MONTHS:
        raise ValueError(f"the settlement of a month looks at {LEVEL_MONTHS} months")
    target = level(monthly_payments)
    return PeriodSettlement(month_start(month), monthly_payments[-1], balance_before, target, target - balance_before)


def required_top_up(current_balance: int, target_level: int) -> int:
    """How much the insured region must add (negative: may take back) to bring the fund to its level."""
    return target_level - current_balance


def below_warning(current_balance: int, target_level: int) -> bool:
    """Whether the balance fell below :data:`WARNING_SHARE` of the level (the insured region is warned
    to top up before the month's clearing)."""
    numerator, denominator = WARNING_SHARE
    return current_balance * denominator < target_level * numerator


def reconcile_draws(drawn: Mapping[str, int], settled: Mapping[str, int]) -> list[Finding]:
    """The fund's draws (setl_id → signed fen, as booked) against the pair's cross-region settlements
    (setl_id → the medical shares the treatment region paid, fen; a reversal's are negative). A
    settlement should be drawn by minus its amount. Every setl_id, matched or with its reason,
    sorted by setl_id; ``ours`` is the ledger's payment (−draw), ``theirs`` the settlement's."""
    findings: list[Finding] = []
    for setl_id in sorted(set(drawn) | set(settled)):
        paid = -drawn[setl_id] if setl_id in drawn else None
        owed = settled.get(setl_id)
        if paid is None:
            assert owed is not None
            reason, detail = MISSING_DRAW, f"{DESCRIPTIONS[MISSING_DRAW]}：应付 {format_yuan(owed)}"
        elif owed is None:
            reason, detail = (
                DRAW_WITHOUT_SETTLEMENT,
                f"{DESCRIPTIONS[DRAW_WITHOUT_SETTLEMENT]}：已付 {format_yuan(paid)}",
            )
        elif paid != owed:
            reason = AMOUNT_DIFFERS
            detail = f"{DESCRIPTIONS[AMOUNT_DIFFERS]}：已付 {format_yuan(paid)}，应付 {format_yuan(owed)}"
        else:
            reason, detail = MATCHED, DESCRIPTIONS[MATCHED]
        findings.append(Finding(setl_id, reason, detail, paid, owed))
    return findings


def fund_account(insured: str, treatment: str) -> Account:
    """The fund, held by the treatment region for the insured region (medical ledger)."""
    return Account(f"med:revolving:{insured}:{treatment}", "medical", "revolving_fund", f"周转金 {insured}→{treatment}")


def source_account(insured: str, treatment: str) -> Account:
    """Its contra: the insured region's money put in, less what the fund paid hospitals."""
    return Account(
        f"med:revolving:{insured}:{treatment}:source",
        "medical",
        "revolving_source",
        f"周转金来源 {insured}→{treatment}",
    )


def journal(journal_id: str, kind: Kind, insured: str, treatment: str, amount: int, memo: str) -> Journal:
    """The ledger journal of ``amount`` signed fen added to the fund (a draw's is negative):
    Dr fund / Cr source, signs flipped when the fund gives out."""
    return Journal(
        journal_id, "medical", f"revolving_{kind.value}", None, memo,
        (Posting(fund_account(insured, treatment), amount), Posting(source_account(insured, treatment), -amount)),
    )  # fmt: skip
