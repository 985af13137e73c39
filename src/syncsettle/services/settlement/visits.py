"""Registration (2201), admission (2401), cancellation (2202/2404) and discharge (2402)."""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.db import visits as visit_repo
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.codes import INPATIENT_MED_TYPES, INSUTYPES, MED_TYPES
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import insured, new_id, own_visit


def _diagnoses(items: list[Any], path: str) -> list[str]:
    codes = []
    for i, item in enumerate(items):
        r = Reader(item, f"{path}[{i}]")
        codes.append(r.req_text("diag_code"))
    return codes


def register(
    p: Platform, hospital: dict[str, Any], data: Reader, *, inpatient: bool, diseinfo: list[Any]
) -> dict[str, Any]:
    """Open a visit and return its ``mdtrt_id``. Inpatient admissions take ``med_type`` 21 by default."""
    psn_no = data.req_text("psn_no")
    insutype = data.req_text("insutype", codes=INSUTYPES)
    default = "21" if inpatient else "11"
    med_type = data.text("med_type", required=False, codes=MED_TYPES) or default
    if inpatient != (med_type in INPATIENT_MED_TYPES):
        raise ServiceError(Code.FIELD, f"医疗类别 {med_type} 与{'住院' if inpatient else '门诊'}登记不符", "med_type")
    now = p.clock.now()
    with p.uow() as uow:
        row = insured(uow.conn, psn_no, insutype)
        mdtrt_id = new_id("MD")
        visit_repo.add_visit(
            uow.conn,
            {
                "mdtrt_id": mdtrt_id,
                "psn_no": psn_no,
                "insutype": insutype,
                "fixmedins_code": hospital["fixmedins_code"],
                "med_type": med_type,
                "mdtrtarea_admvs": hospital["admdvs"],
                "insuplc_admdvs": row["insuplc_admdvs"],
                "begntime": now,
                "endtime": None,
                "status": "admitted" if inpatient else "registered",
                "diagnoses": _diagnoses(diseinfo, "diseinfo"),
                "created_at": now,
            },
        )
        uow.commit()
    ipt_otp_no = data.text("ipt_no" if inpatient else "ipt_otp_no", required=False) or mdtrt_id
    return {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "ipt_otp_no": ipt_otp_no, "begntime": national_time(now)}


def cancel(p: Platform, hospital: dict[str, Any], data: Reader) -> dict[str, Any]:
    """Cancel a registration or admission that has no settlement (its unsettled fee lines go too)."""
    mdtrt_id = data.req_text("mdtrt_id")
    with p.uow() as uow:
        visit = own_visit(uow.conn, mdtrt_id, hospital["fixmedins_code"], data.text("psn_no", required=False))
        if visit["status"] == "cancelled":
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 已撤销", "mdtrt_id")
        if any(line["setl_id"] for line in visit_repo.lines(uow.conn, mdtrt_id)):
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 已有结算，请先撤销结算", "mdtrt_id")
        visit_repo.cancel_lines(uow.conn, mdtrt_id, None)
        visit_repo.update_visit(uow.conn, mdtrt_id, status="cancelled", endtime=p.clock.now())
        uow.commit()
    return {"mdtrt_id": mdtrt_id, "status": "cancelled"}


def discharge(p: Platform, hospital: dict[str, Any], data: Reader, diseinfo: list[Any]) -> dict[str, Any]:
    mdtrt_id = data.req_text("mdtrt_id")
    with p.uow() as uow:
        visit = own_visit(uow.conn, mdtrt_id, hospital["fixmedins_code"], data.text("psn_no", required=False))
        if visit["status"] != "admitted":
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 状态为 {visit['status']}，不能出院", "mdtrt_id")
        values: dict[str, Any] = {"status": "discharged", "endtime": p.clock.now()}
        if diseinfo:
            values["diagnoses"] = _diagnoses(diseinfo, "diseinfo")
        visit_repo.update_visit(uow.conn, mdtrt_id, **values)
        uow.commit()
    return {"mdtrt_id": mdtrt_id, "status": "discharged"}
