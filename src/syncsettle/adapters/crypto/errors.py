"""Errors of the national-cryptography adapters.

They are exceptions because each one means a broken invariant (a tampered ciphertext, a key that
is not what the caller said it is), not a business outcome. A signature or MAC that does not verify
is an expected outcome and is answered with ``False`` instead.
"""

from __future__ import annotations


class CryptoError(Exception):
    """Base class of every error raised by :mod:`syncsettle.adapters.crypto`."""


class DecryptionError(CryptoError):
    """A sealed SM4-GCM value did not authenticate: it, its associated data or the key is wrong."""


class KeyFormatError(CryptoError, ValueError):
    """Key material of the wrong length, encoding, algorithm or curve."""
