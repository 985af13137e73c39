"""Who is calling, and from where: authentication and the envelope's region codes.

Two ways in, both on both paths (``/fsi/api`` and the gateway's ``/fsi/api/rsfComIfsService/callService``):
- the national gateway's signed headers ``x-tif-paasid`` / ``x-tif-timestamp`` / ``x-tif-nonce`` /
  ``x-tif-signature`` (:mod:`syncsettle.services.management.gateway`);
- ``Authorization: Bearer <secret>``, the platform's own credential.
The credential is looked up on every request: a rotated or revoked one stops working at once.

Regions: ``mdtrtarea_admvs`` must be the hospital's region (or contain it, or lie in it: a city
code ``440300`` for a hospital of district ``440304``), and ``insuplc_admdvs`` the person's insured
region in the same sense — checked where the use case reads the person or the visit
(:func:`syncsettle.services.hospital_scope.claimed_insured_region`).
"""

from __future__ import annotations

from typing import Any

from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.hospital_scope import same_region
from syncsettle.services.management import gateway
from syncsettle.services.platform import Platform


def authenticate(p: Platform, headers: Any, fixmedins_code: str) -> Hospital:
    """The calling hospital's row, or ``ServiceError(UNAUTHORISED | REPLAY)``."""
    signed = gateway.gateway_headers(headers)
    if signed is not None:
        return gateway.authenticate(p, fixmedins_code, signed)
    auth = headers.get("authorization") or ""
    secret = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    if not secret:
        raise ServiceError(Code.UNAUTHORISED, "缺少机构凭证（x-tif-* 网关签名头或 Authorization: Bearer …）")
    hospital = gateway.bearer_hospital(p, fixmedins_code, secret)
    if hospital is None:
        raise ServiceError(Code.UNAUTHORISED, "机构编码或凭证错误", "fixmedins_code")
    return hospital


def check_treatment_region(hospital: Hospital, mdtrtarea_admvs: str | None) -> None:
    """``mdtrtarea_admvs``, when sent, names the hospital's own region (or one containing it)."""
    if mdtrtarea_admvs and not same_region(mdtrtarea_admvs, hospital.admdvs):
        raise ServiceError(
            Code.REGION,
            f"就医地医保区划 {mdtrtarea_admvs} 与本机构所在区划 {hospital.admdvs} 不符",
            "mdtrtarea_admvs",
        )
