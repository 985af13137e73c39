"""SM4-GCM authenticated encryption (SM4 of GB/T 32907-2016 in GCM mode, as in RFC 8998).

A sealed value is ``nonce (12 bytes) || ciphertext || tag (16 bytes)``, so it can be stored in one
column. The nonce is random for every call: with 96-bit random nonces a key should seal at most about
2**32 values before it is rotated. ``aad`` (associated data) is authenticated but not encrypted; pass
what the value belongs to (table, column, row key) so a ciphertext copied to another row or column
fails to decrypt instead of being silently accepted.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from syncsettle.adapters.crypto.errors import DecryptionError, KeyFormatError

SM4_KEY_SIZE = 16
GCM_NONCE_SIZE = 12
GCM_TAG_SIZE = 16


def generate_sm4_key() -> bytes:
    """A fresh random 128-bit SM4 key from the operating system's CSPRNG."""
    return secrets.token_bytes(SM4_KEY_SIZE)


def _check_key(key: bytes) -> None:
    if len(key) != SM4_KEY_SIZE:
        raise KeyFormatError(f"an SM4 key is {SM4_KEY_SIZE} bytes, got {len(key)}")


def _seal(key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt under a given nonce. Private: reusing a nonce under one key breaks GCM completely."""
    _check_key(key)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return nonce + ciphertext + encryptor.tag


def sm4_gcm_encrypt(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Seal ``plaintext`` under the 16-byte ``key``, binding it to ``aad``: ``nonce || ciphertext || tag``."""
    return _seal(key, secrets.token_bytes(GCM_NONCE_SIZE), plaintext, aad)


def sm4_gcm_decrypt(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Open a value sealed by :func:`sm4_gcm_encrypt` with the same ``key`` and ``aad``.

    Raises :class:`DecryptionError` if anything was changed or does not match (ciphertext, nonce,
    tag, associated data or key); no part of the plaintext is released in that case.
    """
    _check_key(key)
    if len(sealed) < GCM_NONCE_SIZE + GCM_TAG_SIZE:
        raise DecryptionError(
            f"SM4-GCM value is {len(sealed)} bytes, shorter than nonce and tag ({GCM_NONCE_SIZE + GCM_TAG_SIZE})"
        )
    nonce, ciphertext, tag = sealed[:GCM_NONCE_SIZE], sealed[GCM_NONCE_SIZE:-GCM_TAG_SIZE], sealed[-GCM_TAG_SIZE:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    plaintext = decryptor.update(ciphertext)
    try:
        return plaintext + decryptor.finalize()
    except InvalidTag:
        raise DecryptionError(
            "SM4-GCM authentication failed: the value was tampered with, or the key or associated data is wrong"
        ) from None
