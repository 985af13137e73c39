"""Person query (1101): base information, one insurance row per insutype (with ``cvlserv_flag``, the
civil-servant status) and the 人员身份 rows (``idetinfo[]``: medical-assistance categories with their
validity); 门慢门特 certifications (5301).

The HIS names the person by ``mdtrt_cert_type`` + ``mdtrt_cert_no`` as the interface defines them:
- ``02`` 居民身份证: the ID number;
- ``03`` 社会保障卡: the card's social-security number, which is the holder's ID number (``card_sn``,
  the chip's serial, is not needed to find the person);
- ``01`` 医保电子凭证: the credential the national e-credential service resolves. This platform is
  not that service: it accepts a credential that carries the ID number or the person number
  (``psn_no``) — a deployment plugs its e-credential decoder in here;
or by ``psn_no``, or by ``certno`` alone (older HIS code).
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.settlement import people
from syncsettle.money import format_yuan
from syncsettle.services import person_benefits
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

CERT_TYPES = {"01": "医保电子凭证", "02": "居民身份证", "03": "社会保障卡"}


def query(
    p: Platform, psn_no: str | None, certno: str | None, cert_type: str | None = None, cert_no: str | None = None
) -> dict[str, Any]:
    if cert_type is not None and cert_type not in CERT_TYPES:
        raise ServiceError(Code.FIELD, f"就诊凭证类型 {cert_type} 不支持（01 电子凭证、02 身份证、03 社保卡）",
                           "mdtrt_cert_type")  # fmt: skip
    if not psn_no and not certno and not cert_no:
        raise ServiceError(
            Code.FIELD,
            "请提供就诊凭证(mdtrt_cert_type/mdtrt_cert_no)、人员编号(psn_no)或证件号码(certno)",
            "mdtrt_cert_no",
        )
    today = business_date(p.clock.now())
    with p.uow(readonly=True) as uow:
        stored = None
        if psn_no:
            stored = people.person(uow.conn, psn_no)
        else:
            for number in dict.fromkeys(n for n in (cert_no, certno) if n):
                stored = people.person_by_certno_index(uow.conn, p.pii.certno_index(number))
                if stored is None and cert_type == "01":  # an e-credential may carry the person number
                    stored = people.person(uow.conn, number)
                if stored is not None:
                    break
        if stored is None:
            raise ServiceError(Code.NOT_FOUND, "未查询到参保人员信息", "psn_no" if psn_no else "mdtrt_cert_no")
        rows = people.insurance(uow.conn, stored["psn_no"])
        idetinfo = person_benefits.idetinfo(uow.conn, stored["psn_no"])
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
            "naty": person.get("naty") or "",
            "psn_idet_type": "",
            "exp_content": "",
        },
        "insuinfo": [
            {
                "insutype": r["insutype"],
                "psn_type": r["psn_type"],
                "balc": format_yuan(int(r["balc"])),
                "psn_insu_stas": r["psn_insu_stas"],
                "psn_insu_date": r["psn_insu_date"].isoformat(),
                "insuplc_admdvs": r["insuplc_admdvs"],
                "cvlserv_flag": r.get("cvlserv_flag") or "0",
                "emp_name": "",
                "paus_insu_date": None,
            }
            for r in rows
        ],
        "idetinfo": idetinfo,
    }


def certifications(p: Platform, psn_no: str) -> dict[str, Any]:
    """5301 (人员慢特病备案查询): the person's 门慢门特 certifications, ``feedetail[]{opsp_dise_code,
    opsp_dise_name, begndate, enddate}`` as the interface names them, plus ``kind`` (chronic 门慢 /
    special 门特)."""
    with p.uow(readonly=True) as uow:
        if people.person(uow.conn, psn_no) is None:
            raise ServiceError(Code.NOT_FOUND, "未查询到参保人员信息", "psn_no")
        rows = person_benefits.certification_rows(uow.conn, psn_no)
    return {"feedetail": rows}
