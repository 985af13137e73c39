"""SM3 (GB/T 32905-2016) and keyed SM3 (HMAC-SM3, RFC 2104 over SM3, as in GM/T 0042-2015).

The plain hash is the one the audit log is built from (:mod:`syncsettle.domain.trust.hashing`),
re-exported so callers of the crypto adapter need only this package.
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, hmac

from syncsettle.domain.trust.hashing import SM3_DIGEST_SIZE, sm3

__all__ = ["SM3_DIGEST_SIZE", "hmac_sm3", "sm3", "sm3_hex", "verify_hmac_sm3"]


def sm3_hex(data: bytes) -> str:
    """SM3 digest of ``data`` as 64 lowercase hex characters."""
    return sm3(data).hex()


def hmac_sm3(key: bytes, data: bytes) -> bytes:
    """HMAC-SM3 tag (32 bytes) of ``data`` under ``key``."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    return mac.finalize()


def verify_hmac_sm3(key: bytes, data: bytes, tag: bytes) -> bool:
    """Whether ``tag`` is the HMAC-SM3 of ``data`` under ``key``; compared in constant time."""
    mac = hmac.HMAC(key, hashes.SM3())
    mac.update(data)
    try:
        mac.verify(tag)
    except InvalidSignature:
        return False
    return True
