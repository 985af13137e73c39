"""Personal identifiers at rest: names and certificate numbers sealed with SM4-GCM, certificate
numbers found again through a keyed SM3 blind index.

Each sealed value is bound to its row and column by the associated data
``persons|<column>|<psn_no>``: a ciphertext copied to another person's row, or from the name column
into the certificate-number column, fails to open instead of being read as someone else's data.
The blind index is HMAC-SM3 (key ``hmac.blind_index``) of the normalised certificate number
(NFKC, no spaces, upper case), so ``370602…123x`` and ``370602…123X`` find the same person. Keys
come from the platform's settings (``sm4.pii``, ``hmac.blind_index``); nothing here holds a key of
its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncsettle.adapters.crypto import blind_index, normalise_identifier, sm4_gcm_decrypt, sm4_gcm_encrypt

SEALED = {"psn_name": "psn_name_enc", "certno": "certno_enc"}


def _aad(column: str, psn_no: str) -> bytes:
    return f"persons|{column}|{psn_no}".encode()


@dataclass(frozen=True)
class PersonCipher:
    """Seals and opens the personal identifiers of ``persons`` rows."""

    sm4_key: bytes
    index_key: bytes

    def certno_index(self, certno: str) -> str:
        """The blind index a look-up by certificate number matches on."""
        return blind_index(self.index_key, normalise_identifier(certno))

    def seal(self, row: dict[str, Any]) -> dict[str, Any]:
        """A ``persons`` row as stored: ``psn_name``/``certno`` replaced by their sealed columns and the index."""
        out = {k: v for k, v in row.items() if k not in SEALED}
        for plain, sealed in SEALED.items():
            out[sealed] = sm4_gcm_encrypt(self.sm4_key, str(row[plain]).encode("utf-8"), _aad(plain, row["psn_no"]))
        out["certno_bidx"] = self.certno_index(str(row["certno"]))
        return out

    def open(self, row: dict[str, Any]) -> dict[str, Any]:
        """A stored ``persons`` row with ``psn_name`` and ``certno`` in clear (raises ``DecryptionError``
        if a sealed value was changed, moved or the key is wrong)."""
        out = {k: v for k, v in row.items() if k not in SEALED.values() and k != "certno_bidx"}
        for plain, sealed in SEALED.items():
            out[plain] = sm4_gcm_decrypt(self.sm4_key, bytes(row[sealed]), _aad(plain, row["psn_no"])).decode("utf-8")
        return out


def synthetic_cipher() -> PersonCipher:
    """The cipher for generated, synthetic people (benchmarks, test data): the development keys.
    Real people are sealed with the configured keys through ``Platform.pii``."""
    from syncsettle.adapters.settings import KeyRing

    ring = KeyRing()
    return PersonCipher(ring.sm4("pii"), ring.hmac("blind_index"))
