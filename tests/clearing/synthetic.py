"""Settlements written straight through the settlement repositories (no bill, no engine), for tests
that need many settlements, reversals and exact times quickly. The settle path itself is covered by
the flow tests; clearing reads only settlements, their shares and the visit's insured region."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, update

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.core.schema import settlements
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import people, visits
from syncsettle.adapters.db.settlement import settlements as repo
from syncsettle.adapters.pii import synthetic_cipher
from syncsettle.domain import ledger

Shares = dict[str, tuple[str, int]]  # payer → (payer_kind, fen)
HMB = "product:yantai-shiminjiankangbao-2025"


def add_person(conn: Connection, psn_no: str, region: str) -> None:
    people.upsert_person(
        conn,
        synthetic_cipher().seal(
            {"psn_no": psn_no, "psn_name": "合成", "psn_cert_type": "01", "certno": f"X{psn_no}", "gend": "1",
             "brdy": date(1980, 1, 1), "insuplc_admdvs": region, "created_at": datetime(2025, 1, 1, tzinfo=UTC)}
        ),
        [{"psn_no": psn_no, "insutype": "390", "psn_type": "1501", "insuplc_admdvs": region, "psn_insu_stas": "1",
          "psn_insu_date": date(2000, 1, 1), "balc": 0, "cross_region": None}],
    )  # fmt: skip


def _row(setl_id: str, mdtrt_id: str, psn_no: str, hospital: str, when: datetime, shares: Shares,
         **extra: Any) -> dict[str, Any]:  # fmt: skip
    def of(kind: str) -> int:
        return sum(a for k, a in shares.values() if k == kind)

    return {
        "setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": psn_no, "insutype": "390", "fixmedins_code": hospital,
        "msgid": f"M{setl_id}", "med_type": "21", "clr_type": "21", "setl_time": when, "setl_date": business_date(when),
        "year": when.year, "benefit": "inpatient", "medfee_sumamt": sum(a for _, a in shares.values()),
        "fund_pay_sumamt": of("fund"), "commercial_sumamt": of("product"), "acct_pay": of("personal_account"),
        "psn_cash_pay": of("cash"), "status": "settled", "refd_setl_flag": "0", "reverses": None,
        "reversed_by": None, "accumulator_delta": {"basic": {}, "products": []}, "output": {}, "created_at": when,
        **extra,
    }  # fmt: skip


def settle(conn: Connection, setl_id: str, psn_no: str, region: str, hospital: str, when: datetime,
           shares: Shares, journals: bool = False) -> None:  # fmt: skip
    """A settlement of ``shares`` at ``when`` (its own visit), optionally with its ledger journals."""
    mdtrt_id = f"V{setl_id}"
    visits.add_visit(
        conn,
        {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "insutype": "390", "fixmedins_code": hospital, "med_type": "21",
         "mdtrtarea_admvs": region, "insuplc_admdvs": region, "begntime": when, "endtime": when, "status": "settled",
         "diagnoses": [], "created_at": when},
    )  # fmt: skip
    rows = [{"setl_id": setl_id, "payer": p, "payer_kind": k, "amount": a} for p, (k, a) in shares.items()]
    repo.add_settlement(conn, _row(setl_id, mdtrt_id, psn_no, hospital, when, shares), rows)
    if journals:
        for journal in ledger.settlement_journals(
            setl_id=setl_id, hospital=hospital, insured_region=region, psn_no=psn_no,
            fund_shares=[(p, a) for p, (k, a) in shares.items() if k == "fund"],
            acct_pay=sum(a for k, a in shares.values() if k == "personal_account"),
            product_shares=[("yantai-hmb", p, a) for p, (k, a) in shares.items() if k == "product"],
        ):  # fmt: skip
            ledger_repo.book(conn, journal, when)


def reverse(conn: Connection, rev_id: str, original: str, when: datetime, journals: bool = False) -> None:
    """A reversal row of ``original`` at ``when``: every amount and share negated (and its journals)."""
    orig = repo.settlement(conn, original)
    assert orig is not None and orig["status"] == "settled"
    shares: Shares = {
        r["payer"]: (r["payer_kind"], -int(r["amount"]))
        for r in conn.execute(repo.settlement_shares.select().where(repo.settlement_shares.c.setl_id == original))
        .mappings()
    }  # fmt: skip
    row = _row(rev_id, orig["mdtrt_id"], orig["psn_no"], orig["fixmedins_code"], when, shares, status="reversal",
               refd_setl_flag="1", reverses=original)  # fmt: skip
    rows = [{"setl_id": rev_id, "payer": p, "payer_kind": k, "amount": a} for p, (k, a) in shares.items()]
    repo.add_settlement(conn, row, rows)
    mark = update(settlements).where(settlements.c.setl_id == original)
    conn.execute(mark.values(status="reversed", reversed_by=rev_id))
    if journals:
        from syncsettle.adapters.db.settlement.ledger import journals_of

        for journal in journals_of(conn, original):
            ledger_repo.book(conn, journal.reversed(f"{rev_id}:{journal.ledger[:3]}", rev_id), when)
