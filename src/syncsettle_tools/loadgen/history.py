"""Generated settlement history for replay benchmarks and tests: persons, enrollments, visits, fee
lines and settlements written with bulk inserts (no engine run: the amounts are plausible and add
up, the commercial legs are left to cash), deterministic for a seed.

One settlement per visit; a visit has one ordinary line and, for about one in fifty, a line of a
drug on the city product's list; about a third are inpatient stays.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.core.schema import (
    enrollments,
    fee_lines,
    hospitals,
    insurance_rows,
    persons,
    settlements,
    visits,
)
from syncsettle.adapters.pii import synthetic_cipher

CITY, ACME = "yantai-shiminjiankangbao-2025", "acme-supplementary-2025"
BATCH = 20_000


def _hospitals(now: datetime) -> list[dict[str, Any]]:
    return [
        {"fixmedins_code": f"HG{i:010d}", "fixmedins_name": f"医院{i}", "hosp_lv": str(1 + i % 3), "admdvs": "370600",
         "secret_hash": "-", "created_at": now}
        for i in range(20)
    ]  # fmt: skip


def generate(conn: Connection, settlements_n: int, *, seed: int = 7, year: int = 2025,
             progress: Callable[[float], None] = lambda _: None) -> dict[str, int]:  # fmt: skip
    """Write the history into an empty migrated database (the caller commits)."""
    rng = random.Random(seed)
    now = datetime(year, 1, 1, tzinfo=UTC)
    conn.execute(hospitals.insert(), _hospitals(now))
    n_persons = max(10, settlements_n // 10)
    people, ins, enr = [], [], []
    for i in range(n_persons):
        psn = f"G{i:09d}"
        people.append({"psn_no": psn, "psn_name": "-", "psn_cert_type": "01", "certno": f"C{i:017d}",
                       "gend": "12"[i % 2], "brdy": date(1940 + i % 70, 1 + i % 12, 1 + i % 28),
                       "insuplc_admdvs": "370600", "created_at": now})  # fmt: skip
        ins.append({"psn_no": psn, "insutype": "390", "psn_type": "1501", "insuplc_admdvs": "370600",
                    "psn_insu_stas": "1", "psn_insu_date": date(2000, 1, 1), "balc": 0,
                    "cross_region": None})  # fmt: skip
        for product, share in ((CITY, 0.4), (ACME, 0.15)):
            if rng.random() < share:
                enr.append({"psn_no": psn, "product_id": product, "begndate": date(year, 1, 1),
                            "enddate": date(year, 12, 31), "pre_existing": rng.random() < 0.2,
                            "enrolled_years": 1 + i % 3, "claim_free_years": 0, "claimed_last_year": False,
                            "status": "active"})  # fmt: skip
    cipher = synthetic_cipher()
    people = [cipher.seal(row) for row in people]
    for table, rows in ((persons, people), (insurance_rows, ins), (enrollments, enr)):
        for k in range(0, len(rows), BATCH):
            conn.execute(table.insert(), rows[k : k + BATCH])
    seconds_in_year = 364 * 86400
    visit_rows: list[dict[str, Any]] = []
    line_rows: list[dict[str, Any]] = []
    setl_rows: list[dict[str, Any]] = []
    for s in range(settlements_n):
        psn = f"G{rng.randrange(n_persons):09d}"
        when = now + timedelta(seconds=rng.randrange(seconds_in_year))
        inpatient = rng.random() < 0.33
        total = rng.randrange(5_000_000, 30_000_000) if inpatient else rng.randrange(2_000, 200_000)
        mdtrt, setl = f"GV{s:012d}", f"GS{s:012d}"
        hospital = f"HG{rng.randrange(20):010d}"
        lines = [(f"{mdtrt}-1", "331001001", total)]
        if rng.random() < 0.02:
            lines.append((f"{mdtrt}-2", "XL01FD-BLT01", rng.randrange(1_000_000, 8_000_000)))
        medfee = inscp_total = 0
        for sn, code, amount in lines:
            out = amount if code.startswith("XL") else amount // 10
            pre = 0 if code.startswith("XL") else amount // 20
            inscp = amount - out - pre
            medfee, inscp_total = medfee + amount, inscp_total + inscp
            line_rows.append({
                "mdtrt_id": mdtrt, "feedetl_sn": sn, "chrg_bchno": "", "med_list_codg": code, "medins_list_codg": "",
                "cnt": 10_000, "pric": amount * 10_000, "det_item_fee_sumamt": amount, "chrgitm_lv": "01",
                "selfpay_prop": "0", "pric_uplmt_amt": None, "med_chrgitm_type": "09", "fulamt_ownpay_amt": out,
                "overlmt_amt": 0, "preselfpay_amt": pre, "inscp_scp_amt": inscp, "line_chrgitm_lv": None,
                "line_selfpay_prop": None, "line_pric_uplmt_amt": None, "fee_ocur_time": when, "status": "active",
                "setl_id": setl, "created_at": when,
            })  # fmt: skip
        fund = inscp_total * rng.randrange(40, 80) // 100
        visit_rows.append({
            "mdtrt_id": mdtrt, "psn_no": psn, "insutype": "390", "fixmedins_code": hospital,
            "med_type": "21" if inpatient else "11", "mdtrtarea_admvs": "370600", "insuplc_admdvs": "370600",
            "begntime": when, "endtime": when if inpatient else None,
            "status": "discharged" if inpatient else "registered", "diagnoses": ["I63.9"], "created_at": when,
        })  # fmt: skip
        setl_rows.append({
            "setl_id": setl, "mdtrt_id": mdtrt, "psn_no": psn, "insutype": "390", "fixmedins_code": hospital,
            "msgid": f"M{s:029d}", "med_type": "21" if inpatient else "11", "clr_type": "21" if inpatient else "11",
            "setl_time": when, "setl_date": when.date(), "year": year,
            "benefit": "inpatient" if inpatient else "outpatient", "medfee_sumamt": medfee, "fund_pay_sumamt": fund,
            "commercial_sumamt": 0, "acct_pay": 0, "psn_cash_pay": medfee - fund, "status": "settled",
            "refd_setl_flag": "0", "reverses": None, "reversed_by": None, "accumulator_delta": {"products": []},
            "output": {}, "created_at": when,
        })  # fmt: skip
        if len(setl_rows) >= BATCH:
            _flush(conn, visit_rows, line_rows, setl_rows)
            progress(s / settlements_n)
    _flush(conn, visit_rows, line_rows, setl_rows)
    return {"persons": n_persons, "enrollments": len(enr), "settlements": settlements_n}


def _flush(conn: Connection, *batches: list[dict[str, Any]]) -> None:
    for table, rows in zip((visits, fee_lines, settlements), batches, strict=True):
        if rows:
            conn.execute(table.insert(), rows)
            rows.clear()
