"""What a HIS asks about its own settlements: 5203 结算信息查询 (the settlement's ``setlinfo`` and
``setldetail`` as answered) and 5204 费用明细查询 (the visit's fee lines with their split, refund
lines included). Only the calling hospital's own visits and settlements are found; another's are
refused, not hidden (as the other use cases do)."""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.db.settlement import settlements as repo
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.money import format_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import own_visit


def _settlement(conn: Any, hospital: Hospital, setl_id: str, mdtrt_id: str | None,
                psn_no: str | None) -> dict[str, Any]:  # fmt: skip
    row = repo.settlement(conn, setl_id)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"结算 {setl_id} 不存在", "setl_id")
    if row["fixmedins_code"] != hospital.fixmedins_code:
        raise ServiceError(Code.FORBIDDEN, f"结算 {setl_id} 不属于本机构", "setl_id")
    if (mdtrt_id and row["mdtrt_id"] != mdtrt_id) or (psn_no and row["psn_no"] != psn_no):
        raise ServiceError(Code.FIELD, f"就诊或人员与结算 {setl_id} 不符", "mdtrt_id")
    return row


def settlement_info(p: Platform, hospital: Hospital, setl_id: str, mdtrt_id: str | None,
                    psn_no: str | None) -> dict[str, Any]:  # fmt: skip
    """5203: the settlement as it was answered (a reversal: its negated one)."""
    with p.uow(readonly=True) as uow:
        row = _settlement(uow.conn, hospital, setl_id, mdtrt_id, psn_no)
    output = row["output"] or {}
    info = dict(output.get("setlinfo") or {})
    info.setdefault("setl_id", setl_id)
    info["refd_setl_flag"] = row["refd_setl_flag"]
    return {"setlinfo": info, "setldetail": output.get("setldetail") or []}


def _scaled(value: int, places: int) -> str:
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}".rstrip("0").rstrip(".") if frac else f"{sign}{whole}"


def _money(value: Any) -> str | None:
    return None if value is None else format_yuan(int(value))


def fee_details(p: Platform, hospital: Hospital, mdtrt_id: str, psn_no: str | None,
                setl_id: str | None) -> dict[str, Any]:  # fmt: skip
    """5204: the visit's lines (of one settlement when ``setl_id`` is given), with status and split."""
    with p.uow(readonly=True) as uow:
        own_visit(uow.conn, mdtrt_id, hospital.fixmedins_code, psn_no)
        lines = visit_repo.all_lines(uow.conn, mdtrt_id)
    if setl_id:
        lines = [line for line in lines if line["setl_id"] == setl_id]
    return {
        "output": [
            {
                "feedetl_sn": line["feedetl_sn"], "init_feedetl_sn": line.get("init_feedetl_sn") or "",
                "mdtrt_id": mdtrt_id, "setl_id": line["setl_id"] or "", "chrg_bchno": line["chrg_bchno"],
                "med_list_codg": line["med_list_codg"], "medins_list_codg": line["medins_list_codg"],
                "cnt": _scaled(int(line["cnt"]), 4), "pric": _scaled(int(line["pric"]), 6),
                "det_item_fee_sumamt": _money(line["det_item_fee_sumamt"]), "chrgitm_lv": line["chrgitm_lv"],
                "selfpay_prop": line["selfpay_prop"], "pric_uplmt_amt": _money(line["pric_uplmt_amt"]),
                "fulamt_ownpay_amt": _money(line["fulamt_ownpay_amt"]), "overlmt_amt": _money(line["overlmt_amt"]),
                "preselfpay_amt": _money(line["preselfpay_amt"]), "inscp_scp_amt": _money(line["inscp_scp_amt"]),
                "med_chrgitm_type": line["med_chrgitm_type"],
                "fee_ocur_time": national_time(line["fee_ocur_time"]) if line["fee_ocur_time"] else "",
                "vali_flag": "1" if line["status"] in ("active", "refund") else "0",
                "status": line["status"],
            }
            for line in lines
        ]
    }  # fmt: skip


def settlement_of_message(p: Platform, hospital: Hospital, omsgid: str) -> dict[str, Any] | None:
    """The settlement an earlier message (``omsgid``) of this hospital booked, or ``None``."""
    with p.uow(readonly=True) as uow:
        seen = repo.remembered(uow.conn, omsgid)
        if seen is None or seen["fixmedins_code"] != hospital.fixmedins_code:
            return None
        setl_id = ((seen["response"] or {}).get("setlinfo") or {}).get("setl_id")
        return repo.settlement(uow.conn, setl_id) if setl_id else None
