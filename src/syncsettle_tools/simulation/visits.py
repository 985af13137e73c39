"""One visit as a hospital runs it through the national interface, second by second on the
simulated clock:

- outpatient: 2201 register → 2204 upload → 2206 pre-settle → 2207 settle;
- inpatient: 2401 admit → 2301 upload → 2402 discharge → 2303 pre-settle → 2304 settle (a stay is
  admitted, billed and discharged on its discharge day: the nights before happened before the
  simulated days began);
- a reversal (2208 / 2305) a few minutes later, then either a correction — the duplicated line is
  cancelled (2205 by batch / 2302 by serial number) and the visit settled again — or the visit is
  cancelled (2205 / 2302 all lines, then 2202 / 2404).

The hospital books each settlement and reversal it received (:class:`~syncsettle_tools.simulation.his.Books`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from syncsettle.adapters.clock import FixedClock, business_date, national_time
from syncsettle.money import format_yuan
from syncsettle_tools.simulation.bills import Bill, Line
from syncsettle_tools.simulation.his import Books, Hospital, Interface
from syncsettle_tools.simulation.population import Insured

Fate = Literal["settled", "corrected", "cancelled"]
EXTRA_BATCH = "2"  # the batch (chrg_bchno) a duplicated line is uploaded in


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    at: datetime
    person: Insured
    hospital: Hospital
    bill: Bill
    use_account: bool
    fate: Fate = "settled"


@dataclass(frozen=True, slots=True)
class Outcome:
    visit: PlannedVisit
    settled: list[dict[str, Any]]  # every 2207/2304 answer, in order
    reversals: int


def feedetail(mdtrt_id: str, psn_no: str, lines: tuple[Line, ...], *, first: int = 1,
              batch: str = "1") -> list[dict[str, Any]]:  # fmt: skip
    return [
        {"feedetl_sn": str(sn), "mdtrt_id": mdtrt_id, "psn_no": psn_no, "chrg_bchno": batch,
         "med_list_codg": line.code, "cnt": str(line.count), "pric": format_yuan(line.price),
         "det_item_fee_sumamt": format_yuan(line.amount)}
        for sn, line in enumerate(lines, first)
    ]  # fmt: skip


class Visits:
    def __init__(self, interface: Interface, books: Books, clock: FixedClock) -> None:
        self.his = interface
        self.books = books
        self.clock = clock
        self.pace = 1.0  # simulated seconds per step of a call; the day sets it so a day's visits fit in it

    async def _call(self, hospital: Hospital, infno: str, payload: dict[str, Any], steps: int = 1) -> dict[str, Any]:
        self.clock.advance(seconds=self.pace * steps)
        return await self.his.call(hospital, infno, payload)

    async def run(self, v: PlannedVisit) -> Outcome:
        h, psn, bill = v.hospital, v.person.psn_no, v.bill
        inpatient = bill.inpatient
        diseinfo = [{"diag_code": code} for code in bill.diagnoses]
        if inpatient:
            info = {"psn_no": psn, "insutype": v.person.insutype, "med_type": bill.med_type,
                    "begntime": national_time(self.clock.now())}  # fmt: skip
            mdtrt_id = (await self._call(h, "2401", {"mdtrtinfo": info, "diseinfo": diseinfo}))["result"]["mdtrt_id"]
        else:
            data = {"psn_no": psn, "insutype": v.person.insutype, "med_type": bill.med_type,
                    "begntime": national_time(self.clock.now())}  # fmt: skip
            if bill.med_type == "14":  # 门慢门特: the certified disease the visit is for (病种编码)
                data["dise_codg"] = bill.diagnoses[0]
            mdtrt_id = (await self._call(h, "2201", {"data": data, "diseinfo": diseinfo}))["data"]["mdtrt_id"]
        upload = "2301" if inpatient else "2204"
        await self._call(h, upload, {"feedetail": feedetail(mdtrt_id, psn, bill.lines)}, 3)
        duplicate = len(bill.lines) + 1
        if v.fate != "settled":  # the cashier enters one line twice (重复收费), found after settling
            extra = feedetail(mdtrt_id, psn, bill.lines[:1], first=duplicate, batch=EXTRA_BATCH)
            await self._call(h, upload, {"feedetail": extra})
        if inpatient:
            await self._call(h, "2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": psn,
                                                      "endtime": national_time(self.clock.now())},
                                         "diseinfo": diseinfo})  # fmt: skip
        settle = {"mdtrt_id": mdtrt_id, "psn_no": psn, "acct_used_flag": "1" if v.use_account else "0"}
        await self._call(h, "2303" if inpatient else "2206", {"data": settle})
        first = await self._call(h, "2304" if inpatient else "2207", {"data": settle}, 2)
        booked = self.books.settled(h, business_date(self.clock.now()), first)
        if v.fate == "settled":
            return Outcome(v, [first], 0)
        reversal = {"setl_id": booked.setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn}
        answer = await self._call(h, "2305" if inpatient else "2208", {"data": reversal}, 5)
        self.books.reversed(h, business_date(self.clock.now()), booked, answer)
        if v.fate == "cancelled":
            await self._cancel_lines(h, mdtrt_id, psn, inpatient, None)
            await self._call(h, "2404" if inpatient else "2202", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn}})
            return Outcome(v, [first], 1)
        await self._cancel_lines(h, mdtrt_id, psn, inpatient, str(duplicate))
        again = await self._call(h, "2304" if inpatient else "2207", {"data": settle}, 2)
        self.books.settled(h, business_date(self.clock.now()), again)
        return Outcome(v, [first, again], 1)

    async def _cancel_lines(self, h: Hospital, mdtrt_id: str, psn: str, inpatient: bool, serial: str | None) -> None:
        """Cancel the duplicated line (``serial``) or, with ``None``, every line of the visit."""
        if inpatient:
            await self._call(h, "2302", {"data": [{"feedetl_sn": serial or "0000", "mdtrt_id": mdtrt_id}]})
        else:
            batch = EXTRA_BATCH if serial else "0000"
            await self._call(h, "2205", {"data": {"mdtrt_id": mdtrt_id, "chrg_bchno": batch, "psn_no": psn}})
