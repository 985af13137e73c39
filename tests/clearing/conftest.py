"""Clearing tests reuse the service fixtures: a migrated database on SQLite and PostgreSQL, and the
``World`` of three hospitals and a hundred persons settling through the national messages."""

from __future__ import annotations

from datetime import date
from typing import Any

from syncsettle.adapters.db.commercial.commercial import filing_in_force
from syncsettle.services import admin
from tests.world import World, file_reference_products, grant_consent, line

__all__ = ["World", "inpatient", "line"]

HMB = "yantai-shiminjiankangbao-2025"


def inpatient(w: World, psn_no: str, amount: str, hospital: str = "H37060000001",
              product: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Admit, bill one line of ``amount`` yuan and settle (2304); returns the settlement output."""
    if product:
        with w.platform.uow(readonly=True) as uow:
            filed = filing_in_force(uow.conn, product, date(2025, 6, 10)) is not None
        if not filed:
            file_reference_products(w.platform)
        grant_consent(w.platform, psn_no, w.platform.rules.products[product].insurer)
        admin.enroll(w.platform, psn_no, product, date(2025, 1, 1), date(2025, 12, 31))
    mdtrt_id = w.inpatient_visit(psn_no, [line("1", "331001001", "1", amount, amount)], hospital=hospital)
    return w.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}}, hospital=hospital)


def reverse(w: World, settled: dict[str, Any], hospital: str = "H37060000001") -> dict[str, Any]:
    info = settled["setlinfo"]
    return w.ok("2305", {"data": {"setl_id": info["setl_id"], "mdtrt_id": info["mdtrt_id"], "psn_no": info["psn_no"]}},
                hospital=hospital)  # fmt: skip
