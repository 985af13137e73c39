"""Person query (1101): base information and one insurance row per insutype."""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db import people
from syncsettle.money import format_yuan
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform


def query(p: Platform, psn_no: str | None, certno: str | None) -> dict[str, Any]:
    if not psn_no and not certno:
        raise ServiceError(Code.FIELD, "请提供人员编号(psn_no)或证件号码(certno/mdtrt_cert_no)", "mdtrt_cert_no")
    today = business_date(p.clock.now())
    with p.uow(readonly=True) as uow:
        if psn_no:
            stored = people.person(uow.conn, psn_no)
        else:
            stored = people.person_by_certno_index(uow.conn, p.pii.certno_index(certno or ""))
        if stored is None:
            raise ServiceError(Code.NOT_FOUND, "未查询到参保人员信息", "psn_no" if psn_no else "certno")
        rows = people.insurance(uow.conn, stored["psn_no"])
    # the hospital's window must check the patient's identity: 1101 answers the national fields in clear
    person = p.pii.open(stored)
    brdy = person["brdy"]
    age = today.year - brdy.year - ((today.month, today.day) < (brdy.month, brdy.day))
    return {
        "baseinfo": {
            "psn_no": person["psn_no"],
            "psn_cert_type": person["psn_cert_type"],
            "certno": person["certno"],
            "psn_name": person["psn_name"],
            "gend": person["gend"],
            "brdy": brdy.isoformat(),
            "age": age,
        },
        "insuinfo": [
            {
                "insutype": r["insutype"],
                "psn_type": r["psn_type"],
                "balc": format_yuan(int(r["balc"])),
                "psn_insu_stas": r["psn_insu_stas"],
                "psn_insu_date": r["psn_insu_date"].isoformat(),
                "insuplc_admdvs": r["insuplc_admdvs"],
            }
            for r in rows
        ],
        "idetinfo": [],
    }
