"""The national gateway's way in: ``x-tif-*`` signed requests, and 9001/9002 sign-in and sign-out.

**Signature.** A HIS behind the national medical-insurance gateway (TIF) sends four headers on every
request: ``x-tif-paasid`` (who calls), ``x-tif-timestamp`` (Unix seconds), ``x-tif-nonce`` (a random
string) and ``x-tif-signature`` = lower-case hex SHA-256 of ``timestamp + token + nonce + timestamp``,
where the token is the secret the platform issued to the hospital (``hospital add``). The paasid is
the hospital's ``fixmedins_code`` unless the hospital was given another one (``hospitals.paas_id``).
A timestamp further than :data:`WINDOW_S` from the platform's clock is refused, and so is a nonce
the same paasid already used inside the window (every nonce is kept for twice the window, then
dropped: an older timestamp is refused before its nonce is looked at). Public HIS code computes the
signature exactly so (``toSHA256(timestamp + paasToken + nonce + timestamp)``) — see
docs/his-compatibility.md for the sources.

**Sign-in.** 9001 (``input.signIn{opter_no, mac, ip}``) opens a sign-in and answers
``output.signinoutb{sign_time, sign_no}``; 9002 (``input.signOut{sign_no, opter_no}``) closes it and
answers ``output.signoutoutb{sign_time}``. Later envelopes carry ``sign_no``. Whether a missing or
stale one is refused is the hospital's setting ``sign_no_policy``:
- ``tolerate`` (default): nothing is checked, as many regional platforms do during a roll-out; an
  envelope without a sign-in settles as before;
- ``require``: every envelope but 9001 and 9002 (which names its own) needs the ``sign_no`` of a
  sign-in of the same hospital, not signed out and opened on the same business day (Beijing
  time): a sign-in lasts a working day.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syncsettle.adapters.clock import CHINA, business_date, national_time
from syncsettle.adapters.credentials import matches
from syncsettle.adapters.crypto import DecryptionError
from syncsettle.adapters.db.settlement import gateway as repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.adapters.gateway_tokens import open_token
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform
from syncsettle.services.unit_of_work import single_read

log = logging.getLogger("syncsettle.gateway")

WINDOW_S = 300  # seconds either side of the platform's clock a gateway timestamp may be
SIGN_NO_POLICIES = ("tolerate", "require")
HEADERS = ("x-tif-paasid", "x-tif-timestamp", "x-tif-nonce", "x-tif-signature")


@dataclass(frozen=True)
class GatewayHeaders:
    paas_id: str
    timestamp: str
    nonce: str
    signature: str


def gateway_headers(headers: Any) -> GatewayHeaders | None:
    """The four ``x-tif-*`` headers, or ``None`` when the request carries none of them (a Bearer
    request). Some but not all of them is the caller's error."""
    values = {name: (headers.get(name) or "").strip() for name in HEADERS}
    if not any(values.values()):
        return None
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise ServiceError(Code.UNAUTHORISED, f"网关签名头不完整，缺少 {'、'.join(missing)}")
    return GatewayHeaders(*(values[name] for name in HEADERS))


def signature_of(timestamp: str, token: str, nonce: str) -> str:
    """``sha256_hex(timestamp + token + nonce + timestamp)``, as the gateway and its clients compute it."""
    return hashlib.sha256(f"{timestamp}{token}{nonce}{timestamp}".encode()).hexdigest()


def _instant(timestamp: str) -> datetime:
    """A gateway timestamp: Unix seconds (10 digits); milliseconds (13 digits) are read too."""
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) not in (10, 13):
        raise ServiceError(Code.UNAUTHORISED, "x-tif-timestamp 必须是 Unix 时间戳（秒）")
    seconds = int(timestamp) / 1000 if len(timestamp) == 13 else int(timestamp)
    return datetime.fromtimestamp(seconds, tz=CHINA)


def authenticate(p: Platform, fixmedins_code: str, h: GatewayHeaders) -> Hospital:
    """The hospital a correctly signed, fresh, first-seen request comes from; else ``ServiceError``.

    One unit of work: the hospital is read and the nonce recorded (and old nonces dropped) together."""
    now = p.clock.now()
    sent = _instant(h.timestamp)
    if abs((now - sent).total_seconds()) > WINDOW_S:
        raise ServiceError(
            Code.REPLAY, f"x-tif-timestamp 与平台时间相差超过 {WINDOW_S} 秒（平台时间 {national_time(now)}）"
        )
    if len(h.nonce) > 80:
        raise ServiceError(Code.UNAUTHORISED, "x-tif-nonce 过长（最多 80 个字符）")
    with p.uow() as uow:
        hospital = uow.hospitals.get(fixmedins_code)
        if hospital is None or h.paas_id not in (hospital.fixmedins_code, hospital.paas_id):
            raise ServiceError(Code.UNAUTHORISED, "网关应用编号（x-tif-paasid）与机构编码不符或机构不存在")
        if hospital.secret_sealed is None:
            raise ServiceError(Code.UNAUTHORISED, "该机构尚未开通网关签名，请重新签发机构凭证")
        try:
            token = open_token(p.settings.keys.sm4("pii"), fixmedins_code, hospital.secret_sealed)
        except DecryptionError:
            raise ServiceError(Code.UNAUTHORISED, "机构网关凭证无法读取，请重新签发机构凭证") from None
        if not hmac.compare_digest(signature_of(h.timestamp, token, h.nonce), h.signature.lower()):
            raise ServiceError(Code.UNAUTHORISED, "网关签名（x-tif-signature）校验失败")
        if not repo.remember_nonce(uow.conn, h.paas_id, h.nonce, now):
            raise ServiceError(Code.REPLAY, "x-tif-nonce 已使用过，请求被视为重放")
        if secrets.randbelow(200) == 0:  # now and then, not on every request
            repo.forget_nonces_before(uow.conn, now - timedelta(seconds=2 * WINDOW_S))
        uow.commit()
    return hospital


def _new_sign_no(region: str, at: datetime) -> str:
    """30 characters as the interface sizes ``sign_no``: region (6) + time (14) + 10 random digits."""
    return f"{region}{at.astimezone(CHINA):%Y%m%d%H%M%S}{secrets.randbelow(10**10):010d}"


def sign_in(p: Platform, hospital: Hospital, opter_no: str, mac: str, ip: str) -> dict[str, Any]:
    """9001: a new sign-in for this hospital's operator or terminal."""
    now = p.clock.now()
    sign_no = _new_sign_no(hospital.admdvs, now)
    with p.uow() as uow:
        repo.add_sign_in(
            uow.conn,
            {"sign_no": sign_no, "fixmedins_code": hospital.fixmedins_code, "opter_no": opter_no[:30],
             "mac": mac[:40], "ip": ip[:60], "signed_in_at": now, "signed_out_at": None},
        )  # fmt: skip
        uow.commit()
    return {"signinoutb": {"sign_time": national_time(now), "sign_no": sign_no}}


def sign_out(p: Platform, hospital: Hospital, sign_no: str) -> dict[str, Any]:
    """9002: close a sign-in of this hospital (closing it twice is refused)."""
    now = p.clock.now()
    with p.uow() as uow:
        row = repo.sign_in(uow.conn, sign_no)
        if row is None or row["fixmedins_code"] != hospital.fixmedins_code:
            raise ServiceError(Code.NOT_FOUND, f"签到编号 {sign_no} 不存在", "sign_no")
        if row["signed_out_at"] is not None:
            raise ServiceError(Code.STATE, f"签到编号 {sign_no} 已签退", "sign_no")
        repo.sign_out(uow.conn, sign_no, now)
        uow.commit()
    return {"signoutoutb": {"sign_time": national_time(now)}}


def check_sign_no(p: Platform, hospital: Hospital, sign_no: str | None, infno: str) -> None:
    """Refuse an envelope without a live sign-in when the hospital's policy is ``require``."""
    if infno in ("9001", "9002") or hospital.sign_no_policy != "require":
        return
    if not sign_no:
        raise ServiceError(Code.SIGN_IN, "请先签到（9001）并在报文中携带 sign_no", "sign_no")
    with p.uow(readonly=True) as uow:
        row = repo.sign_in(uow.conn, sign_no)
    if row is None or row["fixmedins_code"] != hospital.fixmedins_code:
        raise ServiceError(Code.SIGN_IN, f"签到编号 {sign_no} 无效，请重新签到（9001）", "sign_no")
    if row["signed_out_at"] is not None:
        raise ServiceError(Code.SIGN_IN, f"签到编号 {sign_no} 已签退，请重新签到（9001）", "sign_no")
    if business_date(row["signed_in_at"]) != business_date(p.clock.now()):
        raise ServiceError(Code.SIGN_IN, f"签到编号 {sign_no} 已过期（签到仅当日有效），请重新签到（9001）", "sign_no")


def set_sign_no_policy(p: Platform, code: str, policy: str) -> None:
    if policy not in SIGN_NO_POLICIES:
        raise ServiceError(Code.FIELD, f"签到策略必须是 {' 或 '.join(SIGN_NO_POLICIES)}", "policy")
    with p.uow() as uow:
        if repo.set_hospital_gateway(uow.conn, code, sign_no_policy=policy) != 1:
            raise ServiceError(Code.NOT_FOUND, f"机构 {code} 不存在", "code")
        uow.commit()


def bearer_hospital(p: Platform, fixmedins_code: str, secret: str) -> Hospital | None:
    """The hospital whose code and bearer secret these are, or None. One statement outside any
    transaction (a credential check on every request: nothing to open and roll back)."""
    with single_read(p.engine) as conn:
        hospital = people.hospital(conn, fixmedins_code)
    if hospital is None or not matches(secret, hospital.secret_hash):
        return None
    return hospital
