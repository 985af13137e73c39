"""The bureau's pages need more than the console's small world (``tests/console/seed.py``): a new
version of 烟台市民健康保 submitted for review, prefunding for two insurers with 烟台惠民保's reserve
exhausted by one more inpatient stay (its leg waits as a quick claim and the operator is alerted),
the day's windows closed and cleared a day later, and the hospital's reconciliation of that day —
totals off by a fen (3201) and a detail file that misses one settlement and differs on another (3202).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from syncsettle.services import admin
from syncsettle.services.clearing import clear, prefunding, windows
from syncsettle.services.commercial.reference_products import file_product, reference_content
from tests.console.seed import PRODUCT, Seeded
from tests.world import grant_consent, line

INSURER = "yantai-hmb"
DAY = date(2025, 6, 10)


@dataclass
class Bureau:
    seeded: Seeded
    submitted_filing: int
    pending_setl_id: str
    window_id: str


def _detail_row(answer: dict[str, Any], **change: str) -> dict[str, str]:
    info = answer["setlinfo"]
    row = {k: info[k] for k in ("setl_id", "mdtrt_id", "psn_no", "medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
    return row | {"refd_setl_flag": "0"} | change


def seed_bureau(seeded: Seeded) -> Bureau:
    world, p = seeded.world, seeded.world.platform
    filing_id = file_product(p, reference_content(PRODUCT), region="370600", approved_from=date(2025, 1, 1),
                             approved_to=date(2026, 12, 31), status="submitted")  # fmt: skip
    prefunding.configure(p, "acme-group", net_debit_cap=100_000_00)
    prefunding.top_up(p, "acme-group", 300_000_00)
    prefunding.configure(p, INSURER, net_debit_cap=0)
    prefunding.top_up(p, INSURER, 500_00)  # less than the next leg: it waits, the operator is alerted
    grant_consent(p, "Q0000", INSURER)
    admin.enroll(p, "Q0000", PRODUCT, date(2025, 1, 1), date(2025, 12, 31))
    stay = world.inpatient_visit("Q0000", [line("1", "331001001", "1", "60000.00", "60000.00")])
    waiting = world.ok("2304", {"data": {"mdtrt_id": stay, "psn_no": "Q0000"}})
    leg = next(e for e in waiting["commercial"] if e["product"] == PRODUCT)
    assert leg["status"] == "pending" and leg["reason_code"] == "prefund_exhausted", leg

    inpatient = seeded.settled["inpatient"]
    stated = {k: inpatient["setlinfo"][k] for k in ("medfee_sumamt", "fund_pay_sumamt", "acct_pay")}
    scope = {"insutype": "390", "clr_type": "21", "stmt_begndate": DAY.isoformat(), "stmt_enddate": DAY.isoformat(),
             "refd_setl_flag": "1"}  # fmt: skip
    world.ok("3201", {"data": scope | stated | {"fixmedins_setl_cnt": 1}})  # the waiting stay is missing
    world.ok("3202", {"data": scope | {"details": [_detail_row(inpatient, fund_pay_sumamt="1.00")]}})

    world.clock.advance(days=1)
    closed = windows.close(p, "370600", DAY)
    clear.run(p, closed["window_id"])
    return Bureau(seeded, filing_id, str(waiting["setlinfo"]["setl_id"]), str(closed["window_id"]))
