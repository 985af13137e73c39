"""Fee-detail upload (2204 outpatient / 2301 inpatient) and cancellation (2205 / 2302).

Each uploaded line is split with the treatment region's catalogue by the engine's own
:func:`split_line`, stored with its split, and the split is returned per line as the national
``result[]``. A line whose ``det_item_fee_sumamt`` differs from ``cnt × pric`` is refused, as is a
serial number already used in the visit; the whole upload is one transaction. ``fee_ocur_time``
(when the fee arose, as the HIS sends it) is kept; without one, the upload's time stands in.

**Refund lines** (退费): a line with a negative ``cnt`` and ``init_feedetl_sn`` naming an earlier,
not yet settled line of the same visit nets that line: the original's quantity drops by the
refunded quantity and is split again, and the refund is kept as a line of its own (status
``refund``, amounts the negative difference) so the HIS's detail still reconciles line by line. A
refund that would take the original below zero is refused, and so is one of a settled line: that
needs the settlement reversed first (2208/2305), as the national flow has it. A refund of the whole
quantity leaves the original at zero, which settles nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain.codes import INPATIENT_MED_TYPES
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import FeeLine
from syncsettle.domain.settlement.split import LineSplit, split_line
from syncsettle.money import format_ratio, format_yuan, parse_ratio
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import open_visit

CNT_PLACES = 4


@dataclass(frozen=True)
class Uploaded:
    """One ``feedetail[]`` entry, read: the line (its quantity positive), the amount it states
    (positive), and for a refund line the serial it nets."""

    mdtrt_id: str
    chrg_bchno: str
    line: FeeLine
    stated: int
    refunds: str | None
    medins_list_codg: str
    fee_ocur_time: datetime | None


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


def _row(mdtrt_id: str, u: Uploaded, line: FeeLine, s: LineSplit, now: datetime, status: str) -> dict[str, Any]:
    return {
        "mdtrt_id": mdtrt_id,
        "feedetl_sn": line.feedetl_sn,
        "chrg_bchno": u.chrg_bchno,
        "med_list_codg": line.med_list_codg,
        "medins_list_codg": u.medins_list_codg,
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
        "fee_ocur_time": u.fee_ocur_time or now,
        "status": status,
        "setl_id": None,
        "created_at": now,
    }


_SPLIT_FIELDS = ("det_item_fee_sumamt", "fulamt_ownpay_amt", "overlmt_amt", "preselfpay_amt", "inscp_scp_amt")


def _split(line: FeeLine, catalogue: Any, index: int) -> LineSplit:
    try:
        return split_line(line, catalogue, index)
    except InvalidInput as exc:
        raise ServiceError(Code.FIELD, exc.reason, exc.field.replace("bill.items", "feedetail")) from None


def _stored_line(row: dict[str, Any]) -> FeeLine:
    prop = row["line_selfpay_prop"]
    return FeeLine(
        feedetl_sn=row["feedetl_sn"], med_list_codg=row["med_list_codg"], cnt=int(row["cnt"]), pric=int(row["pric"]),
        chrgitm_lv=row["line_chrgitm_lv"], selfpay_prop=parse_ratio(prop) if prop is not None else None,
        pric_uplmt=row["line_pric_uplmt_amt"], med_chrgitm_type=row["med_chrgitm_type"],
    )  # fmt: skip


def _refund(
    conn: Any, mdtrt_id: str, u: Uploaded, index: int, catalogue: Any, now: datetime
) -> tuple[dict[str, Any], LineSplit]:
    """Net the refunded line; returns the refund's own row (negative amounts) and its split."""
    field = f"feedetail[{index}]"
    original = visit_repo.line(conn, mdtrt_id, u.refunds or "")
    if original is None or original["status"] != "active":
        raise ServiceError(Code.STATE, f"退费明细所指原明细 {u.refunds} 不存在或已撤销", f"{field}.init_feedetl_sn")
    if original["setl_id"] is not None:
        raise ServiceError(
            Code.STATE, f"原明细 {u.refunds} 已结算，请先撤销结算（2208/2305）再退费", f"{field}.init_feedetl_sn"
        )
    before = _stored_line(original)
    if u.line.pric != before.pric or u.line.med_list_codg != before.med_list_codg:
        raise ServiceError(Code.FIELD, f"退费明细的项目或单价与原明细 {u.refunds} 不符", f"{field}.pric")
    left = before.cnt - u.line.cnt
    if left < 0:
        raise ServiceError(Code.FIELD, f"退费数量超过原明细 {u.refunds} 的剩余数量", f"{field}.cnt")
    old = {k: int(original[k]) for k in _SPLIT_FIELDS}
    after = replace(before, cnt=left)
    new = _split(after, catalogue, index)
    refunded = _split(u.line, catalogue, index)
    if refunded.det_item_fee_sumamt != u.stated:
        raise ServiceError(Code.FIELD, f"退费金额与数量×单价 {format_yuan(-refunded.det_item_fee_sumamt)} 不符",
                           f"{field}.det_item_fee_sumamt")  # fmt: skip
    visit_repo.update_line(conn, mdtrt_id, before.feedetl_sn, cnt=left, **{k: getattr(new, k) for k in _SPLIT_FIELDS})
    row = _row(mdtrt_id, u, replace(u.line, cnt=-u.line.cnt), new, now, "refund")
    row["init_feedetl_sn"] = before.feedetl_sn
    diff = {k: getattr(new, k) - old[k] for k in _SPLIT_FIELDS}  # negative: what the refund took off
    row.update(diff)
    shown = new._replace(feedetl_sn=u.line.feedetl_sn, **diff)
    return row, shown


def upload(p: Platform, hospital: Hospital, parsed: list[Uploaded], *, inpatient: bool) -> dict[str, Any]:
    """Store and split the lines (read from the wire by :mod:`syncsettle.entrypoints.national.fee_lines`)."""
    if not parsed:
        raise ServiceError(Code.FIELD, "费用明细为空", "feedetail")
    mdtrt_ids = {u.mdtrt_id for u in parsed}
    if len(mdtrt_ids) != 1:
        raise ServiceError(Code.FIELD, "一次上传只能包含一个就诊的费用明细", "feedetail")
    mdtrt_id = mdtrt_ids.pop()
    catalogue = p.rules.catalogue_for(hospital.admdvs)
    now = p.clock.now()
    with p.uow() as uow:
        visit = open_visit(uow.conn, mdtrt_id, hospital.fixmedins_code)
        if (visit["med_type"] in INPATIENT_MED_TYPES) != inpatient:
            infno = "2301" if visit["med_type"] in INPATIENT_MED_TYPES else "2204"
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 的费用应通过 {infno} 上传", "mdtrt_id")
        used = visit_repo.existing_serials(uow.conn, mdtrt_id)
        rows: list[dict[str, Any]] = []
        refunds: list[dict[str, Any]] = []
        splits: list[LineSplit] = []
        for i, u in enumerate(parsed):
            field = f"feedetail[{i}]"
            line = u.line
            if line.feedetl_sn in used:
                raise ServiceError(Code.DUPLICATE, f"费用明细流水号 {line.feedetl_sn} 已上传", f"{field}.feedetl_sn")
            used.add(line.feedetl_sn)
            if u.refunds is not None:
                if rows:  # lines uploaded before it in this message go in first, so it may net one of them
                    visit_repo.add_lines(uow.conn, rows)
                    rows = []
                row, shown = _refund(uow.conn, mdtrt_id, u, i, catalogue, now)
                refunds.append(row)
                splits.append(shown)
                continue
            s = _split(line, catalogue, i)
            if s.det_item_fee_sumamt != u.stated:
                raise ServiceError(
                    Code.FIELD,
                    f"明细金额 {format_yuan(u.stated)} 与数量×单价 {format_yuan(s.det_item_fee_sumamt)} 不符",
                    f"{field}.det_item_fee_sumamt",
                )
            splits.append(s)
            rows.append(_row(mdtrt_id, u, line, s, now, "active"))
        if rows:
            visit_repo.add_lines(uow.conn, rows)
        if refunds:
            visit_repo.add_lines(uow.conn, refunds)
        uow.commit()
    return {"result": [render_split(s) for s in splits]}


def cancel(
    p: Platform, hospital: Hospital, mdtrt_id: str, serials: list[str] | None, batch: str | None = None
) -> dict[str, Any]:
    """Cancel unsettled lines; ``serials`` None (``"0000"``) cancels all of them (or one batch)."""
    with p.uow() as uow:
        open_visit(uow.conn, mdtrt_id, hospital.fixmedins_code)
        count = visit_repo.cancel_lines(uow.conn, mdtrt_id, serials, batch)
        if serials is not None and count != len(set(serials)):
            raise ServiceError(Code.STATE, "部分明细不存在、已撤销或已结算", "feedetl_sn")
        uow.commit()
    return {"mdtrt_id": mdtrt_id, "cancelled": count}
