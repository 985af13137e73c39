"""Bytes in, ``(HTTP status, answer)`` out: one envelope through authentication, sign-in, regions and
its transaction's handler.

**Status codes.** On the gateway's path (``/fsi/api/rsfComIfsService/callService``) every answer is
HTTP 200 and every failure — authentication included — is ``infcode: -1`` with a Chinese
``err_msg``: HIS clients read the envelope, and many treat any other status as a network failure
and retry. The platform's own ``/fsi/api`` keeps HTTP 401 for a failed authentication (same
envelope in the body), as it always has.
"""

from __future__ import annotations

from typing import Any

from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.hospital_scope import claimed_insured_region
from syncsettle.services.management import gateway
from syncsettle.services.platform import Platform

from . import envelope, transport
from .handlers import HANDLERS

GATEWAY_PATH = "/fsi/api/rsfComIfsService/callService"
PATHS = frozenset({"/fsi/api", GATEWAY_PATH})
# transactions that name no person yet (1101 finds one): insuplc_admdvs is not checked against it
_NO_PERSON = frozenset({"1101", "5301", "9001", "9002", "9101", "3201", "3202"})


def dispatch(
    p: Platform, headers: Any, body: bytes, *, standard: bool, call: dict[str, str]
) -> tuple[int, dict[str, Any]]:
    """Answer one envelope. ``standard``: the gateway's path (always HTTP 200). ``call`` receives the
    ``infno`` for metrics."""
    received = p.clock.now()
    region = ""
    try:
        raw = envelope.loads(body, p.settings.max_body_bytes)
        env = envelope.parse(raw)
        call["infno"] = env.infno if env.infno in HANDLERS else "other"
        hospital = transport.authenticate(p, headers, env.fixmedins_code)
        region = hospital.admdvs
        handler = HANDLERS.get(env.infno)
        if handler is None:
            raise ServiceError(Code.UNKNOWN_INFNO, f"不支持的交易编号 {env.infno}", "infno")
        gateway.check_sign_no(p, hospital, env.sign_no, env.infno)
        transport.check_treatment_region(hospital, env.mdtrtarea_admvs)
        claimed = None if env.infno in _NO_PERSON else env.insuplc_admdvs
        with claimed_insured_region(claimed):
            output = handler(p, hospital, env)
        return 200, envelope.answer(region, received, p.clock.now(), output)
    except InvalidInput as exc:
        error = ServiceError(Code.FIELD, exc.reason, exc.field)
        return 200, envelope.answer(region, received, p.clock.now(), error=error)
    except ServiceError as exc:
        status = 401 if exc.code in (Code.UNAUTHORISED, Code.REPLAY) and not standard else 200
        return status, envelope.answer(region, received, p.clock.now(), error=exc)
