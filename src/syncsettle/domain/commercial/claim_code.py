"""商保码 (一码通赔): a person's code, per commercial product, that triggers the claim of a settlement.

The code is what the QR on the insured person's console page carries, and what the hospital's window
scans (or the person types in afterwards)::

    SSC1.<payload>.<signature>

``payload`` is the unpadded base64url of the canonical JSON (UTF-8, keys sorted, no white space)
of ``{"v": 1, "cid": code id, "psn": psn_no, "prd": product_id, "iat": issued, "exp": expires}``
— times in whole seconds since the Unix epoch (UTC) — and ``signature`` the unpadded base64url of
the platform's SM2-with-SM3 signature (DER) over exactly those payload bytes. Nothing else is
signed and nothing is parsed before the signature checks, so a changed byte anywhere is refused.

The rules (:func:`judge`) are this module's; the cryptography is the caller's (``verify`` is the
platform key's check, passed in). A code is accepted only when, in this order:

1. it has the format above (else :attr:`Refusal.MALFORMED`);
2. the signature is the platform's over the payload (else :attr:`Refusal.FORGED`);
3. the platform issued a code of that id — the nonce stored server-side — with the same person,
   product and times (else :attr:`Refusal.UNKNOWN`; a re-signed code of another id never passes 2);
4. that code is still ``active``: not revoked (:attr:`Refusal.REVOKED`) nor replaced by a newer one
   (:attr:`Refusal.SUPERSEDED`);
5. ``now`` is before its expiry (:attr:`Refusal.EXPIRED`) and not before its issue.

A valid code says only *who* and *which product*; which settlement it claims for, whether that is the
person's, and whether their consent is in force are the service's checks. Pure: no clock, no I/O.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

PREFIX = "SSC1"
VERSION = 1
DEFAULT_VALID_DAYS = 30  # how long a newly issued code is valid unless the person asks otherwise
MAX_VALID_DAYS = 366
MAX_LENGTH = 600  # a code is ~250 characters; anything much longer is not one (checked before decoding)


class Refusal(StrEnum):
    """Why a presented code is refused; ``text`` is the message the window or the person sees."""

    MALFORMED = "malformed"
    FORGED = "forged"
    UNKNOWN = "unknown"
    REVOKED = "revoked"
    SUPERSEDED = "superseded"
    EXPIRED = "expired"
    NOT_YET = "not_yet_valid"

    @property
    def text(self) -> str:
        return _TEXTS[self]


_TEXTS = {
    Refusal.MALFORMED: "商保码格式不正确，请重新扫码或核对后输入",
    Refusal.FORGED: "商保码签名校验失败：该码被篡改或并非本平台签发，不能用于理赔",
    Refusal.UNKNOWN: "商保码未登记：本平台没有签发过该码",
    Refusal.REVOKED: "商保码已被撤销，请参保人在“我的保单与结算”重新生成",
    Refusal.SUPERSEDED: "商保码已被参保人新生成的码取代，请出示最新的商保码",
    Refusal.EXPIRED: "商保码已过期，请参保人重新生成",
    Refusal.NOT_YET: "商保码尚未生效",
}


class CodeRefused(ValueError):
    """A presented code that must not trigger anything; ``reason`` says why (``reason.text``)."""

    def __init__(self, reason: Refusal, detail: str = "") -> None:
        super().__init__(reason.text + (f"（{detail}）" if detail else ""))
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True)
class ClaimCode:
    """What a code says: its id (the server-side nonce), whose it is, for which product, and when it
    was issued and expires (aware UTC, whole seconds)."""

    code_id: str
    psn_no: str
    product_id: str
    issued_at: datetime
    expires_at: datetime

    def payload(self) -> bytes:
        """The canonical bytes the platform signs."""
        body = {"v": VERSION, "cid": self.code_id, "psn": self.psn_no, "prd": self.product_id,
                "iat": _seconds(self.issued_at), "exp": _seconds(self.expires_at)}  # fmt: skip
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


@dataclass(frozen=True, slots=True)
class Stored:
    """The platform's record of an issued code (its status: ``active``, ``revoked`` or ``superseded``)."""

    code: ClaimCode
    status: str


BEIJING = timezone(timedelta(hours=8), "CST")  # China Standard Time has no daylight saving


def beijing(at: datetime) -> str:
    """``yyyy-MM-dd HH:mm`` in Beijing time, as the messages show an instant."""
    return at.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M")


def whole_seconds(at: datetime) -> datetime:
    """``at`` in UTC with the microseconds dropped: the precision the code carries."""
    return at.astimezone(UTC).replace(microsecond=0)


def _seconds(at: datetime) -> int:
    if at.tzinfo is None:
        raise ValueError("a claim code's times must be aware")
    return int(at.timestamp())


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or any(c not in _ALPHABET for c in text):
        raise CodeRefused(Refusal.MALFORMED)
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise CodeRefused(Refusal.MALFORMED) from None


_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def encode(code: ClaimCode, signature: bytes) -> str:
    """The code's text (the QR's content) from the code and the signature over :meth:`ClaimCode.payload`."""
    return f"{PREFIX}.{_b64(code.payload())}.{_b64(signature)}"


def split(text: str) -> tuple[bytes, bytes]:
    """The payload bytes and the signature of a code's text, unchecked; :class:`CodeRefused` (malformed)
    when it is not of the form ``SSC1.<base64url>.<base64url>``. White space around it is ignored."""
    compact = text.strip() if isinstance(text, str) else ""
    parts = compact.split(".")
    if len(compact) > MAX_LENGTH or len(parts) != 3 or parts[0] != PREFIX:
        raise CodeRefused(Refusal.MALFORMED)
    return _unb64(parts[1]), _unb64(parts[2])


def parse(payload: bytes) -> ClaimCode:
    """The code a (signature-checked) payload says; :class:`CodeRefused` (malformed) when it is not one
    of ours, or not in canonical form (so one code has exactly one signed spelling)."""
    try:
        body: Any = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise CodeRefused(Refusal.MALFORMED) from None
    if not isinstance(body, dict) or set(body) != {"v", "cid", "psn", "prd", "iat", "exp"} or body["v"] != VERSION:
        raise CodeRefused(Refusal.MALFORMED)
    if not all(isinstance(body[k], str) and body[k] for k in ("cid", "psn", "prd")):
        raise CodeRefused(Refusal.MALFORMED)
    if not all(type(body[k]) is int and body[k] >= 0 for k in ("iat", "exp")):
        raise CodeRefused(Refusal.MALFORMED)
    try:
        code = ClaimCode(body["cid"], body["psn"], body["prd"], datetime.fromtimestamp(body["iat"], UTC),
                         datetime.fromtimestamp(body["exp"], UTC))  # fmt: skip
    except (OverflowError, OSError, ValueError):
        raise CodeRefused(Refusal.MALFORMED) from None
    if code.payload() != payload:
        raise CodeRefused(Refusal.MALFORMED)
    return code


def read(text: str, verify: Callable[[bytes, bytes], bool]) -> ClaimCode:
    """Rules 1 and 2: the code a text carries, when it is well formed and ``verify(signature, payload)``
    (the platform key's check) holds; else :class:`CodeRefused` (malformed or forged)."""
    payload, signature = split(text)
    if not verify(signature, payload):
        raise CodeRefused(Refusal.FORGED)
    return parse(payload)


def judge(presented: ClaimCode, stored: Stored | None, now: datetime) -> None:
    """Rules 3 to 5, for a code whose signature already checked: it is the platform's record of
    that id, still active and unexpired at ``now``; else :class:`CodeRefused`."""
    if stored is None or stored.code != presented:
        raise CodeRefused(Refusal.UNKNOWN)
    if stored.status == "revoked":
        raise CodeRefused(Refusal.REVOKED)
    if stored.status == "superseded":
        raise CodeRefused(Refusal.SUPERSEDED)
    if stored.status != "active":
        raise CodeRefused(Refusal.UNKNOWN)
    if now >= presented.expires_at:
        raise CodeRefused(Refusal.EXPIRED, f"有效期至北京时间 {beijing(presented.expires_at)}")
    if now < presented.issued_at:
        raise CodeRefused(Refusal.NOT_YET)
