"""SM2 signatures with SM3 (GB/T 32918 / GM/T 0003, GM/T 0009), through ``tongsuopy``.

Used to sign audit-log checkpoints and anything a counterpart must be able to attribute to the
platform. What is signed is ``e = SM3(Z || message)`` where ``Z`` is the SM3 hash of the signer's
user ID, the curve parameters and the public key; Tongsuo computes ``Z`` with the default user ID
``1234567812345678`` of GM/T 0009-2012, which is what counterparts expect unless agreed otherwise.
(``tongsuopy`` offers no way to set another ID, so only the default is supported. The GM/T 0003.5
example signature verifies here, which pins this down.)

Signatures are DER ``SEQUENCE { r INTEGER, s INTEGER }`` (GM/T 0009); :func:`signature_to_raw` and
:func:`signature_from_raw` convert to and from the 64-byte ``r || s`` form some interfaces use.
The per-signature nonce comes from Tongsuo's CSPRNG. Never replace this with the ``gmssl`` package,
whose nonce is not cryptographically random.
"""

from __future__ import annotations

from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from tongsuopy.crypto import hashes as ts_hashes  # type: ignore[import-untyped]
from tongsuopy.crypto import serialization as ts_serialization
from tongsuopy.crypto.asymciphers import ec as ts_ec  # type: ignore[import-untyped]
from tongsuopy.crypto.exceptions import InternalError, InvalidSignature, UnsupportedAlgorithm  # type: ignore[import-untyped]

from syncsettle.adapters.crypto.errors import KeyFormatError

SM2_DEFAULT_USER_ID = b"1234567812345678"
"""The user ID in ``Z``: the default of GM/T 0009-2012 §10, the only one ``tongsuopy`` signs with."""

SM2_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
"""``n``, the order of the base point of the recommended curve (GM/T 0003.5)."""

_COORDINATE_SIZE = 32


def _algorithm() -> Any:
    """SM2 signing with SM3. ``tongsuopy`` names it ECDSA, but on an SM2 key it runs SM2 (with ``Z``)."""
    return ts_ec.ECDSA(ts_hashes.SM3())


def _is_sm2(key: Any, kind: Any) -> bool:
    return isinstance(key, kind) and isinstance(key.curve, ts_ec.SM2)


class Sm2PublicKey:
    """An SM2 public key on the recommended curve. Build it with :meth:`from_pem` or :meth:`from_hex`."""

    __slots__ = ("_key",)

    def __init__(self, key: Any) -> None:
        if not _is_sm2(key, ts_ec.EllipticCurvePublicKey):
            raise KeyFormatError("not an SM2 public key")
        self._key = key

    @classmethod
    def from_pem(cls, pem: bytes) -> Sm2PublicKey:
        """Load a PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo) that must be on the SM2 curve."""
        try:
            key = ts_serialization.load_pem_public_key(pem)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFormatError(f"not a PEM SM2 public key: {exc}") from None
        return cls(key)

    @classmethod
    def from_hex(cls, text: str) -> Sm2PublicKey:
        """Load a point given in hex: ``04 || X || Y``, bare ``X || Y`` (128 hex digits), or compressed."""
        try:
            raw = bytes.fromhex(text)
        except ValueError:
            raise KeyFormatError("an SM2 public key in hex must contain hex digits only") from None
        if len(raw) == 2 * _COORDINATE_SIZE:
            raw = b"\x04" + raw
        try:
            key = ts_ec.EllipticCurvePublicKey.from_encoded_point(ts_ec.SM2(), raw)
        except ValueError:
            raise KeyFormatError("not a point on the SM2 curve") from None
        return cls(key)

    def to_pem(self) -> bytes:
        """PEM ``PUBLIC KEY`` (SubjectPublicKeyInfo)."""
        return cast(
            bytes,
            self._key.public_bytes(ts_serialization.Encoding.PEM, ts_serialization.PublicFormat.SubjectPublicKeyInfo),
        )

    def to_bytes(self) -> bytes:
        """The uncompressed point ``04 || X || Y`` (65 bytes)."""
        return cast(
            bytes,
            self._key.public_bytes(ts_serialization.Encoding.X962, ts_serialization.PublicFormat.UncompressedPoint),
        )

    def to_hex(self) -> str:
        """The uncompressed point ``04 || X || Y`` as 130 lowercase hex digits."""
        return self.to_bytes().hex()

    def verify(self, signature: bytes, message: bytes) -> bool:
        """Whether ``signature`` (DER) is this key's SM2 signature of ``message`` under the default user ID.

        Malformed or non-canonical DER, and ``r`` or ``s`` outside ``1..n-1``, are answered ``False``
        before Tongsuo sees them.
        """
        try:
            r, s = decode_dss_signature(signature)
        except ValueError:
            return False
        if not (0 < r < SM2_ORDER and 0 < s < SM2_ORDER) or encode_dss_signature(r, s) != signature:
            return False
        try:
            self._key.verify(signature, message, _algorithm())
        except (InvalidSignature, InternalError):
            return False
        return True

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sm2PublicKey) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"Sm2PublicKey({self.to_hex()})"


class Sm2PrivateKey:
    """An SM2 private key. Build it with :meth:`generate` or :meth:`from_pem`; its repr shows only the public key."""

    __slots__ = ("_key",)

    def __init__(self, key: Any) -> None:
        if not _is_sm2(key, ts_ec.EllipticCurvePrivateKey):
            raise KeyFormatError("not an SM2 private key")
        self._key = key

    @classmethod
    def generate(cls) -> Sm2PrivateKey:
        """A fresh key pair from Tongsuo's CSPRNG."""
        return cls(ts_ec.generate_private_key(ts_ec.SM2()))

    @classmethod
    def from_scalar(cls, scalar: int) -> Sm2PrivateKey:
        """The key with private value ``scalar`` (1 ≤ scalar < n). For derived development keys and
        test vectors only: a real key comes from :meth:`generate`."""
        if not 1 <= scalar < SM2_ORDER:
            raise KeyFormatError("an SM2 private value must be in 1..n-1")
        return cls(ts_ec.derive_private_key(scalar, ts_ec.SM2()))

    @classmethod
    def from_pem(cls, pem: bytes, password: bytes | None = None) -> Sm2PrivateKey:
        """Load a PEM ``PRIVATE KEY`` / ``ENCRYPTED PRIVATE KEY`` (PKCS#8) on the SM2 curve."""
        try:
            key = ts_serialization.load_pem_private_key(pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise KeyFormatError(f"not a PEM SM2 private key, or wrong password: {exc}") from None
        return cls(key)

    def to_pem(self, password: bytes | None = None) -> bytes:
        """PKCS#8 PEM; encrypted with ``password`` when one is given (it should be, outside a key store)."""
        if password is None:
            encryption = ts_serialization.NoEncryption()
        else:
            encryption = ts_serialization.BestAvailableEncryption(password)
        return cast(
            bytes,
            self._key.private_bytes(ts_serialization.Encoding.PEM, ts_serialization.PrivateFormat.PKCS8, encryption),
        )

    def public_key(self) -> Sm2PublicKey:
        """The matching public key."""
        return Sm2PublicKey(self._key.public_key())

    def sign(self, message: bytes) -> bytes:
        """DER SM2 signature of ``message`` (``e = SM3(Z || message)``, default user ID, random nonce)."""
        return cast(bytes, self._key.sign(message, _algorithm()))

    def __repr__(self) -> str:
        return f"Sm2PrivateKey(public={self.public_key().to_hex()})"


def signature_to_raw(signature: bytes) -> bytes:
    """The 64-byte ``r || s`` form of a DER signature."""
    try:
        r, s = decode_dss_signature(signature)
    except ValueError:
        raise ValueError("not a DER SM2 signature") from None
    if not (0 < r < SM2_ORDER and 0 < s < SM2_ORDER):
        raise ValueError("r and s of an SM2 signature lie in 1..n-1")
    return r.to_bytes(_COORDINATE_SIZE, "big") + s.to_bytes(_COORDINATE_SIZE, "big")


def signature_from_raw(raw: bytes) -> bytes:
    """The DER form of a 64-byte ``r || s`` signature."""
    if len(raw) != 2 * _COORDINATE_SIZE:
        raise ValueError(f"a raw SM2 signature is {2 * _COORDINATE_SIZE} bytes, got {len(raw)}")
    r = int.from_bytes(raw[:_COORDINATE_SIZE], "big")
    s = int.from_bytes(raw[_COORDINATE_SIZE:], "big")
    return encode_dss_signature(r, s)
