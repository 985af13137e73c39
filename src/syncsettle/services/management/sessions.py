"""Console sessions (log in with a credential, resume from a cookie): a cookie holding who logged in
and until when, signed with HMAC-SM3 under the key ``hmac.session`` — no server-side session table.

The cookie value is ``<payload>.<tag>``: the payload is the unpadded base64url of a small JSON
object ``{"c": credential id, "r": role, "t": tenant, "n": name, "e": expiry (Unix seconds)}``, the
tag the unpadded base64url of HMAC-SM3(key, payload). A changed byte, another key, or a time past the
expiry is refused. The cookie is ``HttpOnly`` (scripts cannot read it), ``SameSite=Lax`` (a foreign
site's form cannot post with it) and ``Secure`` behind HTTPS. Logging out deletes it; a revoked
credential ends its sessions at the next request (the credential is looked up on every request).
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta

from syncsettle.adapters.crypto.sm3 import hmac_sm3, verify_hmac_sm3
from syncsettle.adapters.db import identity as credentials_repo
from syncsettle.adapters.db import people
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.management import identity
from syncsettle.services.platform import Platform

COOKIE = "ss_session"
KEY = "session"  # keys.hmac(KEY)
LIFETIME = timedelta(hours=8)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def seal(key: bytes, principal: Principal, expires: datetime) -> str:
    payload = {"c": principal.credential_id, "r": principal.role.value, "t": principal.tenant,
               "n": principal.name, "e": int(expires.timestamp())}  # fmt: skip
    body = _b64(json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(hmac_sm3(key, body.encode('ascii')))}"


def open_session(key: bytes, value: str, now: datetime) -> Principal | None:
    """The principal of a cookie value, or ``None`` if it is malformed, forged or expired."""
    body, _, tag = value.partition(".")
    try:
        if not body or not tag or not verify_hmac_sm3(key, body.encode("ascii"), _unb64(tag)):
            return None
        payload = json.loads(_unb64(body))
        if int(payload["e"]) <= now.timestamp():
            return None
        return Principal(Role(payload["r"]), str(payload["t"]), str(payload["n"]), str(payload["c"]))
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeError):
        return None


def login(p: Platform, token: str) -> tuple[Principal, str, datetime]:
    """Authenticate a credential token; returns the principal, the cookie value and its expiry."""
    principal = identity.authenticate(p, token)
    expires = p.clock.now() + LIFETIME
    return principal, seal(p.settings.keys.hmac(KEY), principal, expires), expires


def resume(p: Platform, value: str) -> Principal | None:
    """The principal of a session cookie while it is genuine, unexpired and its credential not revoked."""
    principal = open_session(p.settings.keys.hmac(KEY), value, p.clock.now())
    if principal is None:
        return None
    with p.uow(readonly=True) as uow:
        if principal.credential_id.startswith("cr_"):
            row = credentials_repo.get(uow.conn, principal.credential_id)
            active = row is not None and row["revoked_at"] is None
        else:
            active = people.hospital(uow.conn, principal.credential_id) is not None
    return principal if active else None
