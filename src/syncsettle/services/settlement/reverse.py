"""Settlement reversal (2208 outpatient / 2305 inpatient): one transaction, idempotent on ``msgid``.

The reversal is a settlement row of its own with every amount negated; it subtracts exactly the
accumulator changes the original recorded (per-disease 门慢 figures included), books the negated
journals (corrections are new journals, never edits), gives the personal account — and each family
member's account that paid (家庭共济) — back, and frees the fee lines so the hospital
can settle them again or cancel them. A settlement can be reversed once.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.clock import business_date, national_time
from syncsettle.adapters.db.settlement import benefits as benefit_repo
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import settlements as repo
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.money import format_yuan
from syncsettle.services.commercial import claims
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.person_benefits import FAMILY_INSUTYPE
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import new_id
from syncsettle.services.settlement.setlinfo import negated, negated_details
from syncsettle.services.settlement.settle import replay, request_hash


def reverse(p: Platform, hospital: Hospital, msgid: str, infno: str, data: dict[str, Any]) -> dict[str, Any]:
    setl_id, mdtrt_id, psn_no = data["setl_id"], data["mdtrt_id"], data.get("psn_no")
    now = p.clock.now()
    code = hospital.fixmedins_code
    with p.uow() as uow:
        conn = uow.conn
        earlier = replay(conn, msgid, infno, data, hospital)
        if earlier is not None:
            return earlier
        original = repo.settlement(conn, setl_id)
        if original is None:
            raise ServiceError(Code.NOT_FOUND, f"结算 {setl_id} 不存在", "setl_id")
        if original["fixmedins_code"] != code:
            raise ServiceError(Code.FORBIDDEN, f"结算 {setl_id} 不属于本机构", "setl_id")
        if original["mdtrt_id"] != mdtrt_id or (psn_no and original["psn_no"] != psn_no):
            raise ServiceError(Code.FIELD, f"就诊或人员与结算 {setl_id} 不符", "mdtrt_id")
        if original["status"] != "settled":
            raise ServiceError(Code.STATE, f"结算 {setl_id} 状态为 {original['status']}，不能撤销", "setl_id")
        repo.lock_basic(conn, original["psn_no"], original["insutype"], original["year"])
        earlier = replay(conn, msgid, infno, data, hospital)
        if earlier is not None:
            return earlier
        if repo.mark_reversed(conn, setl_id, "pending") != 1:  # a concurrent reversal got there first
            raise ServiceError(Code.STATE, f"结算 {setl_id} 已撤销", "setl_id")
        claims.on_reverse(conn, setl_id, now)  # pending claims end with it; a paid one refuses the reversal
        rev_id = new_id("RV")
        delta = original["accumulator_delta"]
        basic_back: dict[str, int] = {k: -v for k, v in delta["basic"].items()}
        products_back: list[tuple[str, str, int, int]] = [
            (pid, rid, -d, -paid) for pid, rid, d, paid in delta["products"]
        ]
        diseases_back = {code: -d for code, d in (delta.get("diseases") or {}).items()}
        family_back = [[holder, -amount] for holder, amount in delta.get("family") or []]
        back: dict[str, Any] = {"basic": basic_back, "products": products_back}
        if diseases_back:
            back["diseases"] = diseases_back
        if family_back:
            back["family"] = family_back
        family_pay = int(original.get("acct_mulaid_pay") or 0)
        stored = original["output"] or {}
        if "setlinfo" in stored and "medins_setl_id" in stored["setlinfo"]:  # the full national list
            setlinfo = negated(stored["setlinfo"], rev_id, now, msgid)
        else:  # a settlement stored before the full list: what its row knows
            setlinfo = {
                "setl_id": rev_id, "init_setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": original["psn_no"],
                "setl_time": national_time(now), "medfee_sumamt": format_yuan(-original["medfee_sumamt"]),
                "fund_pay_sumamt": format_yuan(-original["fund_pay_sumamt"]),
                "comm_pay": format_yuan(-original["commercial_sumamt"]),
                "psn_part_amt": format_yuan(-original["acct_pay"] - family_pay - original["psn_cash_pay"]),
                "acct_mulaid_pay": format_yuan(-family_pay),
                "acct_pay": format_yuan(-original["acct_pay"]), "psn_cash_pay": format_yuan(-original["psn_cash_pay"]),
            }  # fmt: skip
        output = {
            "setlinfo": setlinfo,
            "setldetail": negated_details(stored.get("setldetail") or []),
            "commercial_sumamt": format_yuan(-original["commercial_sumamt"]),
        }
        shares = repo.shares_of(conn, setl_id)
        repo.add_settlement(
            conn,
            {
                **{k: original[k] for k in ("mdtrt_id", "psn_no", "insutype", "fixmedins_code", "med_type",
                                            "clr_type", "year", "benefit")},
                "setl_id": rev_id, "msgid": msgid, "setl_time": now, "setl_date": business_date(now),
                "medfee_sumamt": -original["medfee_sumamt"], "fund_pay_sumamt": -original["fund_pay_sumamt"],
                "commercial_sumamt": -original["commercial_sumamt"], "acct_pay": -original["acct_pay"],
                "acct_mulaid_pay": -family_pay,
                "psn_cash_pay": -original["psn_cash_pay"], "status": "reversal", "refd_setl_flag": "1",
                "reverses": setl_id, "reversed_by": None, "accumulator_delta": back, "output": output,
                "created_at": now,
            },
            [{"setl_id": rev_id, "payer": s["payer"], "payer_kind": s["payer_kind"], "amount": -s["amount"]}
             for s in shares],
        )  # fmt: skip
        repo.set_reversed_by(conn, setl_id, rev_id)
        repo.add_to_basic(conn, original["psn_no"], original["insutype"], original["year"], basic_back)
        benefit_repo.add_to_diseases(conn, original["psn_no"], original["insutype"], original["year"], diseases_back)
        repo.lock_products(conn, original["psn_no"], original["year"], sorted({pid for pid, *_ in products_back}))
        repo.add_to_products(conn, original["psn_no"], original["year"], products_back)
        visit_repo.mark_settled(conn, mdtrt_id, visit_repo.lines_of_settlement(conn, setl_id), None)
        # every account that paid gets its payment back (relative: others may have paid from it since)
        benefit_repo.add_to_balance(conn, original["psn_no"], original["insutype"], original["acct_pay"])
        for holder, amount in family_back:
            benefit_repo.add_to_balance(conn, holder, FAMILY_INSUTYPE, -amount)
        for journal in ledger_repo.journals_of(conn, setl_id):
            ledger_repo.book(conn, journal.reversed(f"{rev_id}:{journal.ledger[:3]}", rev_id), now)
        repo.remember(
            conn,
            {"msgid": msgid, "fixmedins_code": code, "infno": infno, "request_sha256": request_hash(infno, data),
             "response": output, "created_at": now},
        )  # fmt: skip
        repo.emit(
            conn, {"topic": "settlement.reversed", "key": rev_id, "payload": output["setlinfo"], "created_at": now}
        )
        uow.commit()
        return output
