"""Blind index: a keyed SM3 fingerprint that finds an encrypted identifier without decrypting.

Personal identifiers (resident ID numbers, medical-insurance card numbers, phone numbers) are stored
SM4-GCM encrypted with a random nonce, so equal values never produce equal ciphertexts and a column
of ciphertexts cannot be searched. Next to each ciphertext the platform stores
``blind_index(index_key, normalised value)``; a look-up computes the same index for the value asked
about and matches on it.

Why keyed: an ID number has so little entropy that a plain hash of it could be reversed by
enumerating every possible number. Keep the index key secret, separate from the encryption key, and
use one key per kind of identifier so indexes of different columns cannot be matched with each other.
"""

from __future__ import annotations

import unicodedata

from syncsettle.adapters.crypto.errors import KeyFormatError
from syncsettle.adapters.crypto.sm3 import hmac_sm3

MIN_INDEX_KEY_SIZE = 16


def normalise_identifier(text: str) -> str:
    """The canonical form of an identifier before indexing: NFKC, no whitespace, upper case.

    NFKC turns full-width digits and letters (``３７０１``) into ASCII, and upper-casing makes the
    check character of a resident ID number (``x``/``X``) compare equal. Both the writer and the
    reader of an index must normalise the same way, or look-ups silently miss.
    """
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split()).upper()


def blind_index(key: bytes, normalised_text: str) -> str:
    """The blind index (64 hex characters) of an already normalised identifier under ``key``."""
    if len(key) < MIN_INDEX_KEY_SIZE:
        raise KeyFormatError(f"a blind-index key needs at least {MIN_INDEX_KEY_SIZE} bytes, got {len(key)}")
    return hmac_sm3(key, normalised_text.encode("utf-8")).hex()
