"""What the patient still owes after the public funds, split into components (reference-rules.md).

The burden is kept as a small matrix: one row for the bill's ordinary lines taken together and one
row per drug-list code (all its lines together) of any product in the settlement; one column per base component
(``in_scope_selfpay``, ``preselfpay``, ``cross_region_selfpay``, ``overlimit``, ``out_of_scope``).
A product reads a drug-list row as its ``drug_list:<name>`` component and every other row by column,
so a line on a product's list leaves that product's other components. A drug-list code's share of
``in_scope_selfpay`` and ``cross_region_selfpay`` is allocated over the rows in proportion to their
``inscp_scp_amt`` (largest remainder).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from syncsettle.domain.rules.product import BASE_COMPONENTS
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.split import LineSplit
from syncsettle.money import allocate

COMPONENTS = BASE_COMPONENTS  # the columns, in this order
IN_SCOPE, PRESELF, CROSS, OVER, OUT = range(5)


@dataclass(slots=True)
class BurdenRow:
    """One row: ``code`` is the drug-list code of its lines (``None`` for the ordinary lines)."""

    code: str | None
    line_index: int | None
    amounts: list[int]


class ComponentTotals(NamedTuple):
    """Bill-level component totals after the public funds (fen). A NamedTuple: one is built per bill."""

    in_scope_selfpay: int
    preselfpay: int
    cross_region_selfpay: int
    overlimit: int
    out_of_scope: int
    inscp_scp_amt: int

    def as_list(self) -> list[int]:
        return [self.in_scope_selfpay, self.preselfpay, self.cross_region_selfpay, self.overlimit, self.out_of_scope]


def build_burden(
    splits: Sequence[LineSplit], totals: ComponentTotals, special_codes: frozenset[str]
) -> list[BurdenRow]:
    """Rows of the burden matrix; ``special_codes`` = every code on a drug list of a product in play.

    Lines with the same drug-list code share one row (list membership is by code, so nothing
    distinguishes them for any product); rows follow the order of each code's first line."""
    by_code: dict[str, list[int]] = {}
    if special_codes:
        for s in [s for s in splits if s[1] in special_codes]:  # s[1]: med_list_codg (few lines are listed)
            code = s.med_list_codg
            acc = by_code.get(code)
            if acc is None:
                by_code[code] = [s.inscp_scp_amt, s.preselfpay_amt, s.overlmt_amt, s.fulamt_ownpay_amt]
            else:
                acc[0] += s.inscp_scp_amt
                acc[1] += s.preselfpay_amt
                acc[2] += s.overlmt_amt
                acc[3] += s.fulamt_ownpay_amt
    whole = totals.as_list()
    if not by_code:
        return [BurdenRow(None, None, whole)]
    weights = [v[0] for v in by_code.values()]
    rest_weight = totals.inscp_scp_amt - sum(weights)
    if rest_weight < 0:
        raise InvalidInput("bill.items", "the drug-list lines' in-scope amounts exceed the bill's in-scope amount")
    in_scope = allocate(totals.in_scope_selfpay, [*weights, rest_weight]) if totals.in_scope_selfpay else None
    line_pre = [v[1] for v in by_code.values()]
    pre_rest = sum(s.preselfpay_amt for s in splits) - sum(line_pre)
    if totals.preselfpay < pre_rest + sum(line_pre):  # medical assistance paid part of the 乙类 co-pay:
        # what is left of it is spread over the rows in proportion to their 乙类 co-pay (largest remainder).
        # A bill whose lines carry no 乙类 split (a replayed claim knows only the bill's totals) keeps the
        # lines' own figures: the whole of the total then sits in the ordinary row, as it always did.
        shares = allocate(max(0, totals.preselfpay), [*line_pre, pre_rest]) if totals.preselfpay > 0 else None
        for k, v in enumerate(by_code.values()):
            v[1] = shares[k] if shares else 0
    cross = allocate(totals.cross_region_selfpay, [*weights, rest_weight]) if totals.cross_region_selfpay else None
    rows = []
    o_in, o_pre, o_cross, o_over, o_out = whole
    for k, (code, (_inscp, preself, over, out)) in enumerate(by_code.items()):
        row_in, row_cross = in_scope[k] if in_scope else 0, cross[k] if cross else 0
        o_in, o_pre, o_cross = o_in - row_in, o_pre - preself, o_cross - row_cross
        o_over, o_out = o_over - over, o_out - out
        rows.append(BurdenRow(code, None, [row_in, preself, row_cross, over, out]))
    ordinary = [o_in, o_pre, o_cross, o_over, o_out]
    if min(ordinary) < 0:
        raise InvalidInput("bill.items", "the drug-list lines do not fit the medical-insurance result's amounts")
    return [BurdenRow(None, None, ordinary), *rows]


def remaining_total(rows: Sequence[BurdenRow]) -> int:
    return sum(sum(r.amounts) for r in rows)
