"""The platform's signature on a slip: SM2 (with SM3, default user ID) over the canonical JSON of
the slip's content — UTF-8, keys sorted, no insignificant white space, non-ASCII kept as is. The
signature travels as unpadded base64url of its DER form (about 96 characters), short enough for a
QR code with the verify URL around it.

Anyone can check a slip with the platform's public key (``keys.public("platform")``, shown on the
``/verify`` page): recompute the canonical bytes of the content and verify.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from syncsettle.adapters.crypto.sm2 import Sm2PrivateKey, Sm2PublicKey

SIGNER = "platform"
"""The key name (``keys.signer(SIGNER)``) slips are signed with: the medical-insurance side's key."""


@dataclass(frozen=True, slots=True)
class SignedSlip:
    content: dict[str, Any]
    signature: str  # unpadded base64url of the DER signature

    @property
    def slip_id(self) -> str:
        return str(self.content["slip_id"])

    def document(self) -> dict[str, Any]:
        """The portable form: what the slip's JSON download holds and ``/verify`` accepts pasted."""
        return {"content": self.content, "signature": self.signature, "algorithm": "SM2-with-SM3"}


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def encode_signature(der: bytes) -> str:
    return base64.urlsafe_b64encode(der).rstrip(b"=").decode("ascii")


def decode_signature(text: str) -> bytes | None:
    """The DER bytes of a base64url signature (white space, as printed over several lines, is ignored)."""
    compact = "".join(text.split())
    try:
        return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
    except (binascii.Error, ValueError):
        return None


def sign(signer: Sm2PrivateKey, content: dict[str, Any]) -> SignedSlip:
    return SignedSlip(content, encode_signature(signer.sign(canonical(content))))


def verify(public: Sm2PublicKey, content: dict[str, Any], signature: str) -> bool:
    der = decode_signature(signature)
    return der is not None and public.verify(der, canonical(content))
