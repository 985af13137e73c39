"""Sealed envelopes of the dual-platform channel: SM4-GCM encrypted, SM2-signed, replay-protected.

On the wire an envelope is a JSON object::

    {"v": 1, "msg_id": "<32 hex>", "ts": "<UTC ISO-8601>", "sender": "platform",
     "recipient": "commercial_platform", "kind": "adjudicate", "in_reply_to": null,
     "body": "<base64: SM4-GCM nonce || ciphertext || tag>", "sig": "<base64: SM2 DER signature>"}

The body is the message (canonical JSON) encrypted under the shared channel key with the header
(every field but ``body`` and ``sig``, canonical JSON) as associated data, so a body cannot be
moved under another header. The signature (the sender's SM2 key, SM3 inside) covers the header and
the encrypted body. A receiver checks, in order: the format, sender and recipient, the signature,
the timestamp window, that the message id is new (:class:`ReplayGuard`) or answers the request it
expects, and only then decrypts. Anything wrong is an :class:`EnvelopeError` naming what.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from syncsettle.adapters.crypto.errors import DecryptionError
from syncsettle.adapters.crypto.sm2 import Sm2PrivateKey, Sm2PublicKey
from syncsettle.adapters.crypto.sm4 import sm4_gcm_decrypt, sm4_gcm_encrypt

VERSION = 1
HEADER = ("v", "msg_id", "ts", "sender", "recipient", "kind", "in_reply_to")


class EnvelopeError(ValueError):
    """An envelope that must not be trusted: malformed, forged, stale, replayed or undecryptable."""


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class ReplayGuard:
    """Remembers the message ids seen within the time window; refuses a repeat, and anything
    stamped before ``floor`` (the receiver's start: ids seen before a restart are forgotten, so
    older messages are refused instead). Thread-safe; one per receiving process."""

    window: timedelta
    floor: datetime
    _seen: dict[str, datetime] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def admit(self, msg_id: str, ts: datetime, now: datetime) -> None:
        if ts < self.floor:
            raise EnvelopeError("stamped before the receiver started: refused (send it again)")
        with self._lock:
            if msg_id in self._seen:
                raise EnvelopeError(f"message {msg_id} was already received (replay)")
            if len(self._seen) > 10_000:
                horizon = now - self.window
                self._seen = {k: v for k, v in self._seen.items() if v >= horizon}
            self._seen[msg_id] = ts


@dataclass(frozen=True)
class Sealer:
    """One side of the channel: its name and SM2 key, the peer's name and public key, the SM4 key."""

    me: str
    signer: Sm2PrivateKey
    peer: str
    peer_key: Sm2PublicKey
    key: bytes
    window: timedelta = timedelta(seconds=60)

    def seal(
        self, kind: str, message: dict[str, Any], now: datetime, in_reply_to: str | None = None
    ) -> tuple[bytes, str]:
        """The envelope (bytes) and its message id."""
        msg_id = secrets.token_hex(16)
        header = {"v": VERSION, "msg_id": msg_id, "ts": now.isoformat(), "sender": self.me,
                  "recipient": self.peer, "kind": kind, "in_reply_to": in_reply_to}  # fmt: skip
        aad = canonical(header)
        body = sm4_gcm_encrypt(self.key, canonical(message), aad)
        sig = self.signer.sign(aad + b"." + body)
        envelope = {**header, "body": base64.b64encode(body).decode(), "sig": base64.b64encode(sig).decode()}
        return canonical(envelope), msg_id

    def open(self, raw: bytes, now: datetime, *, guard: ReplayGuard | None = None,
             reply_to: str | None = None) -> tuple[dict[str, Any], dict[str, Any]]:  # fmt: skip
        """Check an envelope from the peer and return (header, message)."""
        try:
            envelope = json.loads(raw)
            header = {k: envelope[k] for k in HEADER}
            body, sig = (
                base64.b64decode(envelope["body"], validate=True),
                base64.b64decode(envelope["sig"], validate=True),
            )
            ts = datetime.fromisoformat(header["ts"])
        except (ValueError, KeyError, TypeError) as exc:
            raise EnvelopeError(f"malformed envelope ({exc.__class__.__name__})") from None
        if header["v"] != VERSION or header["sender"] != self.peer or header["recipient"] != self.me:
            raise EnvelopeError(f"not an envelope from {self.peer} to {self.me}")
        aad = canonical(header)
        if not self.peer_key.verify(sig, aad + b"." + body):
            raise EnvelopeError(f"signature does not verify with {self.peer}'s key")
        if ts.tzinfo is None or abs(now - ts) > self.window:
            raise EnvelopeError(f"timestamp {header['ts']} outside the {self.window.total_seconds():.0f} s window")
        if reply_to is not None and header["in_reply_to"] != reply_to:
            raise EnvelopeError(f"answers {header['in_reply_to']}, not {reply_to}")
        if guard is not None:
            guard.admit(str(header["msg_id"]), ts, now)
        try:
            message = json.loads(sm4_gcm_decrypt(self.key, body, aad))
        except (DecryptionError, ValueError) as exc:
            raise EnvelopeError(f"body does not decrypt: {exc}") from None
        if not isinstance(message, dict):
            raise EnvelopeError("the message is not a JSON object")
        return header, message
