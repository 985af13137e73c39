"""The hash functions the tamper-evident log is built from, as plain ``bytes -> bytes`` functions.

Production logs use SM3 (GB/T 32905-2016), the national hash the regulator expects. SHA-256 is here
only so the Merkle code can be checked against the RFC 6962 reference vectors, which are published
for SHA-256. Both are pure computations (no I/O, no keys, no state), which is why they live in the
domain: an insured person's or the regulator's verifier needs them and nothing else.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes

HashFn = Callable[[bytes], bytes]
"""A hash function: message bytes in, digest bytes out. Every digest it returns has the same length."""

SM3_DIGEST_SIZE = 32


def sm3(data: bytes) -> bytes:
    """SM3 digest (32 bytes) of ``data``."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sha256(data: bytes) -> bytes:
    """SHA-256 digest (32 bytes) of ``data``; for reference test vectors, not for production logs."""
    return hashlib.sha256(data).digest()
