"""What the medical-insurance domain knows of one settled visit when a product's turn comes: the
visit's facts, its itemised lines and what the patient still owes (the burden rows after the public
funds and the products before). Every payload that leaves the domain is projected from this value
(:mod:`projections`); a pending commercial leg keeps it (as JSON) until its claim settles.

Pure: amounts in fen, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from fractions import Fraction
from typing import Any

from syncsettle.domain.settlement.burden import COMPONENTS, BurdenRow
from syncsettle.domain.settlement.split import LineSplit
from syncsettle.domain.settlement.waterfall import Waterfall

Row = tuple[str | None, tuple[int, ...]]


@dataclass(frozen=True, slots=True)
class VisitView:
    """One visit as a product sees it. ``rows`` are (drug-list code or ``None``, amounts per
    :data:`~syncsettle.domain.settlement.burden.COMPONENTS`) of what is left to pay."""

    setl_id: str
    psn_no: str
    setl_date: date
    med_type: str
    insutype: str
    cross_region_status: str
    diagnoses: tuple[str, ...]
    medfee_sumamt: int
    fund_pay_sumamt: int
    lines: tuple[LineSplit, ...]
    rows: tuple[Row, ...]

    def burden(self) -> list[BurdenRow]:
        """A fresh, mutable copy of the rows, for a product to take its payment from."""
        return [BurdenRow(code, None, list(amounts)) for code, amounts in self.rows]

    def with_rows(self, rows: list[BurdenRow]) -> VisitView:
        """The same visit after a product took its payment from ``rows``."""
        return replace(self, rows=tuple((r.code, tuple(r.amounts)) for r in rows))

    def left(self, codes: frozenset[str] = frozenset()) -> dict[str, int]:
        """What is left per component, over the rows whose code is not in ``codes``."""
        totals = dict.fromkeys(COMPONENTS, 0)
        for code, amounts in self.rows:
            if code is None or code not in codes:
                for name, amount in zip(COMPONENTS, amounts, strict=True):
                    totals[name] += amount
        return totals

    def drug_totals(self, codes: frozenset[str]) -> dict[str, int]:
        """What is left of each drug-list row whose code is in ``codes`` (all components together)."""
        return {code: sum(amounts) for code, amounts in self.rows if code is not None and code in codes}


def view_of(w: Waterfall, setl_id: str) -> VisitView:
    """The visit as the next product in ``w`` would see it."""
    return VisitView(
        setl_id=setl_id,
        psn_no=w.person.psn_no,
        setl_date=w.day,
        med_type=w.bill.med_type,
        insutype=w.person.insutype,
        cross_region_status=w.status,
        diagnoses=w.bill.diagnoses,
        medfee_sumamt=w.leg.totals.medfee_sumamt,
        fund_pay_sumamt=w.leg.fund_pay_sumamt,
        lines=w.splits,
        rows=tuple((r.code, tuple(r.amounts)) for r in w.rows),
    )


def view_to_json(view: VisitView) -> dict[str, Any]:
    """JSON-able form (integers in fen), for keeping a pending leg's view in the database."""
    return {
        "setl_id": view.setl_id, "psn_no": view.psn_no, "setl_date": view.setl_date.isoformat(),
        "med_type": view.med_type, "insutype": view.insutype, "cross_region_status": view.cross_region_status,
        "diagnoses": list(view.diagnoses), "medfee_sumamt": view.medfee_sumamt,
        "fund_pay_sumamt": view.fund_pay_sumamt,
        "lines": [[*line[:8], str(line.selfpay_prop), line.pric_uplmt_amt, line.med_chrgitm_type]
                  for line in view.lines],
        "rows": [[code, list(amounts)] for code, amounts in view.rows],
    }  # fmt: skip


def view_from_json(data: dict[str, Any]) -> VisitView:
    """The inverse of :func:`view_to_json` (data the platform wrote itself)."""
    lines = tuple(
        LineSplit(sn, code, total, fulamt, overlmt, preself, inscp, lv, Fraction(prop), cap, kind)
        for sn, code, total, fulamt, overlmt, preself, inscp, lv, prop, cap, kind in data["lines"]
    )
    return VisitView(
        setl_id=data["setl_id"],
        psn_no=data["psn_no"],
        setl_date=date.fromisoformat(data["setl_date"]),
        med_type=data["med_type"],
        insutype=data["insutype"],
        cross_region_status=data["cross_region_status"],
        diagnoses=tuple(data["diagnoses"]),
        medfee_sumamt=int(data["medfee_sumamt"]),
        fund_pay_sumamt=int(data["fund_pay_sumamt"]),
        lines=lines,
        rows=tuple((code, tuple(int(a) for a in amounts)) for code, amounts in data["rows"]),
    )
