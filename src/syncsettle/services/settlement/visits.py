"""Registration (2201), admission (2401), visit information (2203/2203A), cancellation (2202/2404)
and discharge (2402).

The use cases take typed requests (:class:`Registration`); the national protocol reads them from the
wire (:mod:`syncsettle.entrypoints.national.handlers`). Times the HIS states (``begntime``,
``endtime``) are kept as sent; without one, the platform's clock stands in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncsettle.adapters.clock import national_time
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain.codes import INPATIENT_MED_TYPES
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.settlement.common import insured, new_id, own_visit


@dataclass(frozen=True)
class Registration:
    """A 2201 registration or 2401 admission. ``med_type`` ``None``: 11 (outpatient; 2203 may set it
    later) or 21 (inpatient). ``dise_codg``: the 门慢门特 病种 code of a ``med_type`` 14 visit (the
    certified disease it is for), when the HIS sends one."""

    psn_no: str
    insutype: str
    inpatient: bool
    med_type: str | None = None
    begntime: datetime | None = None
    mdtrt_cert_type: str | None = None
    ipt_otp_no: str | None = None
    diagnoses: tuple[str, ...] = field(default_factory=tuple)
    dise_codg: str | None = None


def _check_med_type(med_type: str, inpatient: bool) -> None:
    if inpatient != (med_type in INPATIENT_MED_TYPES):
        raise ServiceError(Code.FIELD, f"医疗类别 {med_type} 与{'住院' if inpatient else '门诊'}登记不符", "med_type")


def register(p: Platform, hospital: Hospital, reg: Registration) -> dict[str, Any]:
    """Open a visit and return its ``mdtrt_id``."""
    med_type = reg.med_type or ("21" if reg.inpatient else "11")
    _check_med_type(med_type, reg.inpatient)
    now = p.clock.now()
    begntime = reg.begntime or now
    with p.uow() as uow:
        row = insured(uow.conn, reg.psn_no, reg.insutype)
        mdtrt_id = new_id("MD")
        visit_repo.add_visit(
            uow.conn,
            {
                "mdtrt_id": mdtrt_id,
                "psn_no": reg.psn_no,
                "insutype": reg.insutype,
                "fixmedins_code": hospital.fixmedins_code,
                "med_type": med_type,
                "mdtrtarea_admvs": hospital.admdvs,
                "insuplc_admdvs": row["insuplc_admdvs"],
                "begntime": begntime,
                "endtime": None,
                "status": "admitted" if reg.inpatient else "registered",
                "diagnoses": list(reg.diagnoses),
                "created_at": now,
                "mdtrt_cert_type": reg.mdtrt_cert_type,
                "dise_codg": reg.dise_codg,
            },
        )
        uow.commit()
    return {
        "mdtrt_id": mdtrt_id, "psn_no": reg.psn_no, "ipt_otp_no": reg.ipt_otp_no or mdtrt_id,
        "begntime": national_time(begntime),
    }  # fmt: skip


def update_info(
    p: Platform, hospital: Hospital, mdtrt_id: str, psn_no: str | None, *, med_type: str | None,
    begntime: datetime | None, diagnoses: tuple[str, ...], dise_codg: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """2203/2203A: the visit's ``med_type``, start time, diagnoses and 病种 code (``dise_codg``), before
    its fees settle."""
    with p.uow() as uow:
        visit = own_visit(uow.conn, mdtrt_id, hospital.fixmedins_code, psn_no)
        if visit["status"] not in ("registered", "admitted"):
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 状态为 {visit['status']}，不能上传就诊信息", "mdtrt_id")
        values: dict[str, Any] = {}
        if med_type is not None and med_type != visit["med_type"]:
            _check_med_type(med_type, visit["status"] == "admitted")
            if any(line["setl_id"] for line in visit_repo.lines(uow.conn, mdtrt_id)):
                raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 已有结算，不能改变医疗类别", "med_type")
            values["med_type"] = med_type
        if begntime is not None:
            values["begntime"] = begntime
        if diagnoses:
            values["diagnoses"] = list(diagnoses)
        if dise_codg is not None and dise_codg != visit.get("dise_codg"):
            values["dise_codg"] = dise_codg
        if values:
            visit_repo.update_visit(uow.conn, mdtrt_id, **values)
        uow.commit()
    return {}


def cancel(p: Platform, hospital: Hospital, mdtrt_id: str, psn_no: str | None) -> dict[str, Any]:
    """Cancel a registration or admission that has no settlement (its unsettled fee lines go too)."""
    with p.uow() as uow:
        visit = own_visit(uow.conn, mdtrt_id, hospital.fixmedins_code, psn_no)
        if visit["status"] == "cancelled":
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 已撤销", "mdtrt_id")
        if any(line["setl_id"] for line in visit_repo.lines(uow.conn, mdtrt_id)):
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 已有结算，请先撤销结算", "mdtrt_id")
        visit_repo.cancel_lines(uow.conn, mdtrt_id, None)
        visit_repo.update_visit(uow.conn, mdtrt_id, status="cancelled", endtime=p.clock.now())
        uow.commit()
    return {"mdtrt_id": mdtrt_id, "status": "cancelled"}


def discharge(
    p: Platform, hospital: Hospital, mdtrt_id: str, psn_no: str | None, *, endtime: datetime | None,
    diagnoses: tuple[str, ...],
) -> dict[str, Any]:  # fmt: skip
    with p.uow() as uow:
        visit = own_visit(uow.conn, mdtrt_id, hospital.fixmedins_code, psn_no)
        if visit["status"] != "admitted":
            raise ServiceError(Code.STATE, f"就诊 {mdtrt_id} 状态为 {visit['status']}，不能出院", "mdtrt_id")
        values: dict[str, Any] = {"status": "discharged", "endtime": endtime or p.clock.now()}
        if diagnoses:
            values["diagnoses"] = list(diagnoses)
        visit_repo.update_visit(uow.conn, mdtrt_id, **values)
        uow.commit()
    return {"mdtrt_id": mdtrt_id, "status": "discharged"}
