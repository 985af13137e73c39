"""Console sessions (log in with a credential, resume from a cookie): a cookie holding who logged in
and until when, signed with HMAC-SM3 under the key ``hmac.session`` — no server-side session table.

The cookie value is ``<payload>.<tag>``: the payload is the unpadded base64url of a small JSON
object ``{"c": credential id, "v": the credential's fingerprint, "e": expiry (Unix seconds)}``, the
tag the unpadded base64url of HMAC-SM3(key, payload). A changed byte, another key, or a time past the
expiry is refused.

**The cookie names a credential; the server says who that is.** Role, tenant and name come from
the credential's row on every request, never from the cookie (an older cookie's ``r``/``t`` are
ignored). The fingerprint — SM3-HMAC of the credential's stored secret hash, under the session key —
binds the cookie to that credential as it is now: a rotated or revoked credential ends its
sessions at the next request, and even someone who can sign cookies (the development keys are
public) cannot make one for a credential whose secret hash they do not know.

The cookie is ``HttpOnly`` (scripts cannot read it), ``SameSite=Lax`` (a foreign
site's form cannot post with it) and ``Secure`` behind HTTPS. Logging out deletes it; a revoked
credential ends its sessions at the next request (the credential is looked up on every request).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from datetime import datetime, timedelta

from syncsettle.adapters.crypto.sm3 import hmac_sm3, verify_hmac_sm3
from syncsettle.adapters.db.management import identity as credentials_repo
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management import identity
from syncsettle.services.platform import Platform

COOKIE = "ss_session"
KEY = "session"  # keys.hmac(KEY)
LIFETIME = timedelta(hours=8)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(key: bytes, secret_hash: str) -> str:
    """The credential as it is now (its stored secret hash), keyed: changes when the secret does."""
    return _b64(hmac_sm3(key, f"credential|{secret_hash}".encode()))[:22]


def seal(key: bytes, credential_id: str, print_: str, expires: datetime) -> str:
    payload = {"c": credential_id, "v": print_, "e": int(expires.timestamp())}
    body = _b64(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(hmac_sm3(key, body.encode('ascii')))}"


def open_session(key: bytes, value: str, now: datetime) -> tuple[str, str] | None:
    """``(credential id, fingerprint)`` of a cookie value, or ``None`` if malformed, forged or expired."""
    body, _, tag = value.partition(".")
    try:
        if not body or not tag or not verify_hmac_sm3(key, body.encode("ascii"), _unb64(tag)):
            return None
        payload = json.loads(_unb64(body))
        if int(payload["e"]) <= now.timestamp():
            return None
        return str(payload["c"]), str(payload["v"])
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        return None


def _current(p: Platform, credential_id: str) -> tuple[Principal, str] | None:
    """The credential's principal and its secret hash, from the server's record (``None``: gone or revoked)."""
    with p.uow(readonly=True) as uow:
        if credential_id.startswith("cr_"):
            row = credentials_repo.get(uow.conn, credential_id)
            if row is None or row["revoked_at"] is not None:
                return None
            return Principal(Role(row["role"]), row["tenant"], row["name"], row["id"]), row["secret_hash"]
        hospital = uow.hospitals.get(credential_id)
    if hospital is None:
        return None
    code = hospital.fixmedins_code
    return Principal(Role.HOSPITAL, code, hospital.fixmedins_name, code), hospital.secret_hash


def login(p: Platform, token: str) -> tuple[Principal, str, datetime]:
    """Authenticate a credential token; returns the principal, the cookie value and its expiry."""
    principal = identity.authenticate(p, token)
    current = _current(p, principal.credential_id)
    if current is None:  # revoked between the two reads
        raise ServiceError(Code.UNAUTHORISED, "凭证无效或已注销")
    key = p.settings.keys.hmac(KEY)
    expires = p.clock.now() + LIFETIME
    return principal, seal(key, principal.credential_id, fingerprint(key, current[1]), expires), expires


def resume(p: Platform, value: str) -> Principal | None:
    """The principal of a session cookie while it is genuine and unexpired and its credential is the
    same as when the session began (not revoked, not rotated); who it is comes from the server."""
    key = p.settings.keys.hmac(KEY)
    opened = open_session(key, value, p.clock.now())
    if opened is None:
        return None
    credential_id, print_ = opened
    current = _current(p, credential_id)
    if current is None or not hmac.compare_digest(fingerprint(key, current[1]), print_):
        return None
    return current[0]
