"""Fee-detail upload (2204 outpatient / 2301 inpatient) and cancellation (2205 / 2302).

Each uploaded line is split with the treatment region's catalogue by the engine's own
:func:`split_line`, stored with its split, and the split is returned per line as the national
``result[]``. A line whose ``det_item_fee_sumamt`` differs from ``cnt × pric`` is refused, as is a
serial number already used in the visit; the whole upload is one transaction.
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db import visits as visit_repo
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.codes import CHRGITM_LVS
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import PRIC_PLACES, FeeLine
from syncsettle.domain.settlement.split import LineSplit, split_line
from syncsettle.money import format_ratio, format_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import open_visit

CNT_PLACES = 4


def _line(r: Reader, index: int) -> tuple[FeeLine, int]:
    line = FeeLine(
        feedetl_sn=r.req_text("feedetl_sn"),
        med_list_codg=r.req_text("med_list_codg"),
        cnt=r.scaled("cnt", CNT_PLACES, positive=True),
        pric=r.scaled("pric", PRIC_PLACES),
        chrgitm_lv=r.text("chrgitm_lv", required=False, codes=CHRGITM_LVS),
        selfpay_prop=r.ratio("selfpay_prop"),
        pric_uplmt=r.yuan("pric_uplmt_amt") if r.has("pric_uplmt_amt") else None,
        med_chrgitm_type=r.text("med_chrgitm_type", required=False),
    )
    return line, r.yuan("det_item_fee_sumamt", required=True)


def render_split(s: LineSplit) -> dict[str, Any]:
    return {
        "feedetl_sn": s.feedetl_sn,
        "det_item_fee_sumamt": format_yuan(s.det_item_fee_sumamt),
        "pric_uplmt_amt": format_yuan(s.pric_uplmt_amt) if s.pric_uplmt_amt is not None else None,
        "selfpay_prop": format_ratio(s.selfpay_prop),
        "fulamt_ownpay_amt": format_yuan(s.fulamt_ownpay_amt),
        "overlmt_amt": format_yuan(s.overlmt_amt),
        "preselfpay_amt": format_yuan(s.preselfpay_amt),
        "inscp_scp_amt": format_yuan(s.inscp_scp_amt),
        "chrgitm_lv": s.chrgitm_lv,
        "med_chrgitm_type": s.med_chrgitm_type,
        "memo": "",
    }


def upload(p: Platform, hospital: dict[str, Any], feedetail: list[Any], *, inpatient: bool) -> dict[str, Any]:
    if not feedetail:
        raise ServiceError(Code.FIELD, "费用明细为空", "feedetail")
    parsed = []
    for i, item in enumerate(feedetail):
        r = Reader(item, f"feedetail[{i}]")
        line, stated = _line(r, i)
        parsed.append((r.req_text("mdtrt_id"), r.text("chrg_bchno", required=False) or "", line, stated, item))
    mdtrt_ids = {m for m, *_ in parsed}
    if len(mdtrt_ids) != 1:
        raise ServiceError(Code.FIELD, "一次上传只能包含一个就诊的费用明细", "feedetail")
    mdtrt_id = mdtrt_ids.pop()
    catalogue = p.rules.catalogue_for(hospital["admdvs"])
    now = p.clock.now()
    with p.uow() as uow:
        visit = open_visit(uow.conn, mdtrt_id, hospital["fixmedins_code"])
        if (visit["med_type"] in ("21", "23", "24", "28", "52")) != inpatient:
            infno = "2301" if visit["med_type"] in ("21", "23", "24", "28", "52") else "2204"
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 的费用应通过 {infno} 上传", "mdtrt_id")
        used = visit_repo.existing_serials(uow.conn, mdtrt_id)
        rows, splits = [], []
        for i, (_m, bchno, line, stated, _item) in enumerate(parsed):
            field = f"feedetail[{i}]"
            if line.feedetl_sn in used:
                raise ServiceError(Code.DUPLICATE, f"费用明细流水号 {line.feedetl_sn} 已上传", f"{field}.feedetl_sn")
            used.add(line.feedetl_sn)
            try:
                s = split_line(line, catalogue, i)
            except InvalidInput as exc:
                raise ServiceError(Code.FIELD, exc.reason, exc.field.replace("bill.items", "feedetail")) from None
            if s.det_item_fee_sumamt != stated:
                raise ServiceError(
                    Code.FIELD,
                    f"明细金额 {format_yuan(stated)} 与数量×单价 {format_yuan(s.det_item_fee_sumamt)} 不符",
                    f"{field}.det_item_fee_sumamt",
                )
            splits.append(s)
            rows.append(
                {
                    "mdtrt_id": mdtrt_id,
                    "feedetl_sn": line.feedetl_sn,
                    "chrg_bchno": bchno,
                    "med_list_codg": line.med_list_codg,
                    "medins_list_codg": "",
                    "cnt": line.cnt,
                    "pric": line.pric,
                    "det_item_fee_sumamt": s.det_item_fee_sumamt,
                    "chrgitm_lv": s.chrgitm_lv,
                    "selfpay_prop": format_ratio(s.selfpay_prop),
                    "pric_uplmt_amt": s.pric_uplmt_amt,
                    "med_chrgitm_type": s.med_chrgitm_type,
                    "fulamt_ownpay_amt": s.fulamt_ownpay_amt,
                    "overlmt_amt": s.overlmt_amt,
                    "preselfpay_amt": s.preselfpay_amt,
                    "inscp_scp_amt": s.inscp_scp_amt,
                    "line_chrgitm_lv": line.chrgitm_lv,
                    "line_selfpay_prop": format_ratio(line.selfpay_prop) if line.selfpay_prop is not None else None,
                    "line_pric_uplmt_amt": line.pric_uplmt,
                    "fee_ocur_time": now,
                    "status": "active",
                    "setl_id": None,
                    "created_at": now,
                }
            )
        visit_repo.add_lines(uow.conn, rows)
        uow.commit()
    return {"result": [render_split(s) for s in splits]}


def cancel(
    p: Platform, hospital: dict[str, Any], mdtrt_id: str, serials: list[str] | None, batch: str | None = None
) -> dict[str, Any]:
    """Cancel unsettled lines; ``serials`` None (``"0000"``) cancels all of them (or one batch)."""
    with p.uow() as uow:
        open_visit(uow.conn, mdtrt_id, hospital["fixmedins_code"])
        count = visit_repo.cancel_lines(uow.conn, mdtrt_id, serials, batch)
        if serials is not None and count != len(set(serials)):
            raise ServiceError(Code.STATE, "部分明细不存在、已撤销或已结算", "feedetl_sn")
        uow.commit()
    return {"mdtrt_id": mdtrt_id, "cancelled": count}
