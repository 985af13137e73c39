"""The hospital's gateway token at rest.

The national gateway authenticates a caller by ``x-tif-signature = sha256_hex(timestamp + token +
nonce + timestamp)``; checking it needs the token itself, not a hash of it. So besides the SHA-256 the
Bearer path compares against (:mod:`syncsettle.adapters.credentials`), the platform keeps the secret
SM4-GCM sealed under the ``sm4.pii`` key, bound to its hospital by the associated data
``hospitals|secret|<fixmedins_code>`` (a sealed token copied to another hospital's row fails to open).
"""

from __future__ import annotations

from syncsettle.adapters.crypto import sm4_gcm_decrypt, sm4_gcm_encrypt


def _aad(code: str) -> bytes:
    return f"hospitals|secret|{code}".encode()


def seal_token(key: bytes, code: str, secret: str) -> bytes:
    return sm4_gcm_encrypt(key, secret.encode("utf-8"), _aad(code))


def open_token(key: bytes, code: str, sealed: bytes) -> str:
    """Raises ``DecryptionError`` when the value was changed, moved or the key is wrong."""
    return sm4_gcm_decrypt(key, bytes(sealed), _aad(code)).decode("utf-8")
