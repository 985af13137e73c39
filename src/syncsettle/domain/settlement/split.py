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
from typing import NamedTuple, NoReturn

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


class SplitTotals(NamedTuple):
    """The bill's line splits added up (fen)."""

    medfee_sumamt: int
    fulamt_ownpay_amt: int
    overlmt_selfpay: int
    preselfpay_amt: int
    inscp_scp_amt: int


def _refuse(lines: Sequence[FeeLine], line: FeeLine, lv: str | None, first_index: int) -> NoReturn:
    """The error for a line whose class (or 乙类 ratio) neither it nor the catalogue gives."""
    index = first_index + next(i for i, other in enumerate(lines) if other is line)
    if lv is None:
        raise InvalidInput(
            f"bill.items[{index}].chrgitm_lv",
            f"missing, and {line.med_list_codg} is not in the treatment region's catalogue (目录未对照)",
        )
    raise InvalidInput(f"bill.items[{index}].selfpay_prop", "required for a 乙类 (02) line")


def split_line(line: FeeLine, catalogue: Mapping[str, CatalogueEntry], index: int = 0) -> LineSplit:
    """Split one line; ``index`` only names the line in an error (``bill.items[index]``)."""
    return split_and_add((line,), catalogue, index)[0][0]


def split_bill(lines: Sequence[FeeLine], catalogue: Mapping[str, CatalogueEntry]) -> list[LineSplit]:
    return split_and_add(lines, catalogue)[0]


def split_and_add(
    lines: Sequence[FeeLine], catalogue: Mapping[str, CatalogueEntry], first_index: int = 0
) -> tuple[list[LineSplit], SplitTotals]:
    """Split every line and add the splits up (the same as :func:`add_up` of them); ``first_index`` is
    the index of the first line in an error (``bill.items[i]``).

    Written for speed (it runs for every line of every bill): one loop, no call per line, integer
    arithmetic inline, the totals kept as the lines go, the catalogue consulted only for what the line
    does not carry, and what a line takes from its catalogue entry prepared once per entry
    (``CatalogueEntry.applied``)."""
    medfee = fulamt = overlmt_sum = preself_sum = inscp_sum = 0
    splits: list[LineSplit] = []
    append, lookup, new = splits.append, catalogue.get, _new_split
    for line in lines:
        lv = line.chrgitm_lv
        prop = line.selfpay_prop
        cap = line.pric_uplmt
        chrg_type = line.med_chrgitm_type
        half_prop = None  # (2 × numerator, denominator, 2 × denominator) of prop, when the catalogue gave it
        if lv is None or cap is None or chrg_type is None or (prop is None and lv == "02"):
            entry = lookup(line.med_list_codg)
            if entry is not None:
                entry_lv, entry_prop, entry_cap, entry_type, entry_half_prop = entry.applied
                if not lv:
                    lv = entry_lv
                if prop is None:
                    prop, half_prop = entry_prop, entry_half_prop
                if cap is None:
                    cap = entry_cap
                if not chrg_type:
                    chrg_type = entry_type
            if lv is None or (lv == "02" and prop is None):
                _refuse(lines, line, lv, first_index)

        cnt, pric = line.cnt, line.pric
        amount = (cnt * pric + _HALF_FEN) // _UNITS_PER_FEN  # cnt × pric is in 10^-10 yuan, non-negative
        medfee += amount
        if lv == "03":
            fulamt += amount
            append(new(LineSplit, (line.feedetl_sn, line.med_list_codg, amount, amount, 0, 0, 0, lv, _ZERO, cap,
                                   chrg_type or "14")))  # fmt: skip
            continue
        if cap is None or pric <= cap * _PRIC_PER_FEN:
            overlmt, within = 0, amount
        else:
            overlmt = min(amount, ((pric - cap * _PRIC_PER_FEN) * cnt + _HALF_FEN) // _UNITS_PER_FEN)
            overlmt_sum += overlmt
            within = amount - overlmt
        if lv == "02" and prop is not None:
            if half_prop is None:  # the line's own ratio; (x × 2n + d) // 2d is x × n / d rounded half-up
                numerator, denominator = prop.as_integer_ratio()
                numerator2, denominator2 = 2 * numerator, 2 * denominator
            else:
                numerator2, denominator, denominator2 = half_prop
            preselfpay = (within * numerator2 + denominator) // denominator2  # half-up, within ≥ 0
            preself_sum += preselfpay
            within -= preselfpay
        else:
            preselfpay, prop = 0, _ZERO
        inscp_sum += within
        append(new(LineSplit, (line.feedetl_sn, line.med_list_codg, amount, 0, overlmt, preselfpay, within, lv, prop,
                               cap, chrg_type or "14")))  # fmt: skip
    return splits, _new_split(SplitTotals, (medfee, fulamt, overlmt_sum, preself_sum, inscp_sum))


def add_up(splits: Sequence[LineSplit]) -> SplitTotals:
    """The bill's totals: each amount column of the line splits summed."""
    if not splits:
        return SplitTotals(0, 0, 0, 0, 0)
    _sn, _code, medfee, fulamt, overlmt, preself, inscp, *_ = zip(*splits, strict=True)
    return SplitTotals(sum(medfee), sum(fulamt), sum(overlmt), sum(preself), sum(inscp))
