"""Reconciliation comparisons (pure): the platform's records against a counterparty's, line by line,
each difference with a reason code and a Chinese description.

Hospital detail (3202) compares settlements by ``setl_id``; a row is a reversal when its
``refd_setl_flag`` is "1". Insurer statements compare (settlement, product, responsibility) lines by
their payable amount. Amounts are fen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from syncsettle.money import format_yuan

MATCHED = "matched"
# hospital detail
MISSING_AT_HOSPITAL = "missing_at_hospital"  # the platform settled it; the hospital's file lacks it
MISSING_REVERSAL = "missing_reversal"  # the platform reversed it; the hospital's file lacks the reversal
MISSING_AT_PLATFORM = "missing_at_platform"  # the hospital lists a settlement the platform does not have
EXTRA_REVERSAL = "extra_reversal"  # the hospital lists a reversal the platform never made
AMOUNT_DIFFERS = "amount_differs"
# insurer statement
MISSING_AT_INSURER = "missing_at_insurer"

DESCRIPTIONS = {
    MATCHED: "一致",
    MISSING_AT_HOSPITAL: "机构缺少该笔结算",
    MISSING_REVERSAL: "机构缺少该笔撤销",
    MISSING_AT_PLATFORM: "平台无该笔结算（或不在对账范围内）",
    EXTRA_REVERSAL: "机构有平台没有的撤销",
    AMOUNT_DIFFERS: "金额不符",
    MISSING_AT_INSURER: "保险公司对账单缺少该明细",
}
HOSPITAL_FIELDS = ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")


@dataclass(frozen=True, slots=True)
class SettlementRecord:
    """One settlement or reversal as one side records it (amounts in fen)."""

    setl_id: str
    reversal: bool
    amounts: Mapping[str, int]
    init_setl_id: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    key: str  # setl_id, or setl_id/product/responsibility
    reason: str
    detail: str
    ours: int | None = None
    theirs: int | None = None
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def matched(self) -> bool:
        return self.reason == MATCHED


def compare_settlements(ours: Mapping[str, SettlementRecord], theirs: Mapping[str, SettlementRecord]) -> list[Finding]:
    """Every platform and hospital row, matched or with the reason it differs (sorted by setl_id)."""
    findings: list[Finding] = []
    for setl_id in sorted(set(ours) | set(theirs)):
        mine, their = ours.get(setl_id), theirs.get(setl_id)
        if their is None:
            assert mine is not None
            reason = MISSING_REVERSAL if mine.reversal else MISSING_AT_HOSPITAL
            total = mine.amounts.get("medfee_sumamt")
            findings.append(Finding(setl_id, reason, DESCRIPTIONS[reason], ours=total))
            continue
        if mine is None or (their.reversal and not mine.reversal):
            reason = EXTRA_REVERSAL if their.reversal else MISSING_AT_PLATFORM
            detail = DESCRIPTIONS[reason] + (f"（原结算 {their.init_setl_id}）" if their.init_setl_id else "")
            findings.append(
                Finding(setl_id, reason, detail, ours=mine.amounts.get("medfee_sumamt") if mine else None,
                        theirs=their.amounts.get("medfee_sumamt"))
            )  # fmt: skip
            continue
        diffs = [k for k in HOSPITAL_FIELDS if their.amounts.get(k) != mine.amounts.get(k)]
        if diffs:
            detail = "；".join(
                f"{k} 机构 {format_yuan(their.amounts[k])} / 平台 {format_yuan(mine.amounts[k])}" for k in diffs
            )
            findings.append(
                Finding(setl_id, AMOUNT_DIFFERS, f"{DESCRIPTIONS[AMOUNT_DIFFERS]}：{detail}",
                        ours=mine.amounts[diffs[0]], theirs=their.amounts[diffs[0]], extra={"field": diffs[0]})
            )  # fmt: skip
        else:
            findings.append(Finding(setl_id, MATCHED, DESCRIPTIONS[MATCHED]))
    return findings


def compare_totals(ours: Mapping[str, int], theirs: Mapping[str, int]) -> list[str]:
    """The totals (3201) that differ, described: ``medfee_sumamt 机构 1.00 / 平台 2.00``."""
    out = []
    for key, value in ours.items():
        if theirs.get(key) != value:
            show = str if key.endswith("_cnt") else format_yuan
            out.append(f"{key} 机构 {show(theirs.get(key, 0))} / 平台 {show(value)}")
    return out


def compare_lines(ours: Mapping[str, int], theirs: Mapping[str, int]) -> list[Finding]:
    """Statement lines (key → payable fen) of the platform against the insurer's returned statement."""
    findings: list[Finding] = []
    for key in sorted(set(ours) | set(theirs)):
        mine, their = ours.get(key), theirs.get(key)
        if their is None:
            findings.append(Finding(key, MISSING_AT_INSURER, DESCRIPTIONS[MISSING_AT_INSURER], ours=mine))
        elif mine is None:
            findings.append(Finding(key, MISSING_AT_PLATFORM, DESCRIPTIONS[MISSING_AT_PLATFORM], theirs=their))
        elif mine != their:
            detail = f"{DESCRIPTIONS[AMOUNT_DIFFERS]}：保险公司 {format_yuan(their)} / 平台 {format_yuan(mine)}"
            findings.append(Finding(key, AMOUNT_DIFFERS, detail, ours=mine, theirs=their))
        else:
            findings.append(Finding(key, MATCHED, DESCRIPTIONS[MATCHED], ours=mine, theirs=their))
    return findings


def mismatches(findings: Sequence[Finding]) -> list[Finding]:
    return [f for f in findings if not f.matched]


@dataclass(frozen=True, slots=True)
class Scope:
    """What a hospital reconciles (3201 totals, 3202 detail): its settlements of a period, of one
    insutype and clearing type or all of them, with or without the refunds (reversals)."""

    hospital: str
    insutype: str | None  # None: every insutype (3202 names none)
    clr_type: str | None  # None: every clearing type
    begin: date
    end: date
    include_refunds: bool = True

    @property
    def label(self) -> str:
        return f"{self.insutype or '*'}/{self.clr_type or '*'}/{self.begin}..{self.end}" + (
            "" if self.include_refunds else "/0"
        )
