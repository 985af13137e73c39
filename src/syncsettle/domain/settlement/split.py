"""Step 1 of the waterfall: split each fee line with the catalogue of the treatment region.

``det_item_fee_sumamt = fulamt_ownpay_amt + overlmt_amt + preselfpay_amt + inscp_scp_amt``:

- 丙类 (03) or out of catalogue → all of it ``fulamt_ownpay_amt``;
- above the unit price cap → ``overlmt_amt = (pric − pric_uplmt_amt) × cnt`` when positive;
- 乙类 (02) → ``preselfpay_amt = selfpay_prop × (amount − overlmt_amt)``;
- the rest is ``inscp_scp_amt``.

Rounding: the line amount and ``overlmt_amt`` are rounded half-up to the fen from the exact
``cnt × pric``; ``preselfpay_amt`` is rounded half-up; ``inscp_scp_amt`` takes the remainder, so the
four parts always add up to the line amount.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import NamedTuple

from syncsettle.domain.rules.catalogue import CatalogueEntry
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import FeeLine

_UNITS_PER_FEN = 10**8  # cnt (10^4) × pric (10^6) is in 10^-10 yuan; a fen is 10^-2 yuan
_HALF_FEN = _UNITS_PER_FEN // 2  # (units + half) // per-fen = units rounded half-up to the fen (units ≥ 0)
_PRIC_PER_FEN = 10**4  # pric is in 10^-6 yuan
_ZERO = Fraction(0)


class LineSplit(NamedTuple):
    """One fee line's split, in fen, with the catalogue values that were applied. (A NamedTuple, not a
    frozen dataclass: one is built per line of every bill, and a tuple is built four times faster.)"""

    feedetl_sn: str
    med_list_codg: str
    det_item_fee_sumamt: int
    fulamt_ownpay_amt: int
    overlmt_amt: int
    preselfpay_amt: int
    inscp_scp_amt: int
    chrgitm_lv: str
    selfpay_prop: Fraction
    pric_uplmt_amt: int | None
    med_chrgitm_type: str


_new_split = tuple.__new__  # LineSplit from a tuple of its fields in order, without NamedTuple's Python-level __new__


def split_line(line: FeeLine, catalogue: Mapping[str, CatalogueEntry], index: int = 0) -> LineSplit:
    """Split one line; ``index`` only names the line in an error (``bill.items[index]``).

    Written for speed (it runs once per line of every bill): integer arithmetic inline, the
    catalogue consulted only for what the line does not carry."""
    lv, prop, cap, chrg_type = line.chrgitm_lv, line.selfpay_prop, line.pric_uplmt, line.med_chrgitm_type
    if lv is None or (lv == "02" and prop is None) or cap is None or chrg_type is None:
        entry = catalogue.get(line.med_list_codg)
        if entry is not None:
            lv = lv or entry.chrgitm_lv
            prop = prop if prop is not None else entry.selfpay_prop
            cap = cap if cap is not None else entry.pric_uplmt_amt
            chrg_type = chrg_type or entry.med_chrgitm_type
        if lv is None:
            raise InvalidInput(
                f"bill.items[{index}].chrgitm_lv",
                f"missing, and {line.med_list_codg} is not in the treatment region's catalogue (目录未对照)",
            )
        if lv == "02" and prop is None:
            raise InvalidInput(f"bill.items[{index}].selfpay_prop", "required for a 乙类 (02) line")

    cnt, pric = line.cnt, line.pric
    amount = (cnt * pric + _HALF_FEN) // _UNITS_PER_FEN  # cnt × pric is in 10^-10 yuan, non-negative
    if lv == "03":
        fields = (line.feedetl_sn, line.med_list_codg, amount, amount, 0, 0, 0, lv, _ZERO, cap, chrg_type or "14")
        return _new_split(LineSplit, fields)
    overlmt = 0
    if cap is not None:
        excess = pric - cap * _PRIC_PER_FEN
        if excess > 0:
            overlmt = min(amount, (excess * cnt + _HALF_FEN) // _UNITS_PER_FEN)
    within = amount - overlmt
    preselfpay = 0
    if lv == "02" and prop is not None:
        numerator, denominator = prop.as_integer_ratio()
        preselfpay = (2 * within * numerator + denominator) // (2 * denominator)
    else:
        prop = _ZERO
    assert prop is not None
    fields = (line.feedetl_sn, line.med_list_codg, amount, 0, overlmt, preselfpay, within - preselfpay, lv, prop, cap,
              chrg_type or "14")  # fmt: skip
    return _new_split(LineSplit, fields)


def split_bill(lines: tuple[FeeLine, ...], catalogue: Mapping[str, CatalogueEntry]) -> list[LineSplit]:
    return [split_line(line, catalogue, i) for i, line in enumerate(lines)]


class SplitTotals(NamedTuple):
    """The bill's line splits added up (fen)."""

    medfee_sumamt: int
    fulamt_ownpay_amt: int
    overlmt_selfpay: int
    preselfpay_amt: int
    inscp_scp_amt: int


def add_up(splits: Sequence[LineSplit]) -> SplitTotals:
    """The bill's totals: each amount column of the line splits summed."""
    if not splits:
        return SplitTotals(0, 0, 0, 0, 0)
    _sn, _code, medfee, fulamt, overlmt, preself, inscp, *_ = zip(*splits, strict=True)
    return SplitTotals(sum(medfee), sum(fulamt), sum(overlmt), sum(preself), sum(inscp))
