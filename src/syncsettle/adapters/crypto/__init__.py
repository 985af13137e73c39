"""National cryptography (商用密码) for the platform: SM3, HMAC-SM3, SM4-GCM, SM2, blind indexes.

SM3 and SM4 come from ``cryptography``; SM2 from ``tongsuopy`` (never the ``gmssl`` package). Keys are
always ``bytes`` or key objects passed in by the caller: nothing here holds a global key, reads a file
or opens a connection, at import time or later.
"""

from syncsettle.adapters.crypto.blind_index import blind_index, normalise_identifier
from syncsettle.adapters.crypto.errors import CryptoError, DecryptionError, KeyFormatError
from syncsettle.adapters.crypto.sm2 import (
    SM2_DEFAULT_USER_ID,
    Sm2PrivateKey,
    Sm2PublicKey,
    signature_from_raw,
    signature_to_raw,
)
from syncsettle.adapters.crypto.sm3 import hmac_sm3, sm3, sm3_hex, verify_hmac_sm3
from syncsettle.adapters.crypto.sm4 import SM4_KEY_SIZE, generate_sm4_key, sm4_gcm_decrypt, sm4_gcm_encrypt

__all__ = [
    "SM2_DEFAULT_USER_ID",
    "SM4_KEY_SIZE",
    "CryptoError",
    "DecryptionError",
    "KeyFormatError",
    "Sm2PrivateKey",
    "Sm2PublicKey",
    "blind_index",
    "generate_sm4_key",
    "hmac_sm3",
    "normalise_identifier",
    "signature_from_raw",
    "signature_to_raw",
    "sm3",
    "sm3_hex",
    "sm4_gcm_decrypt",
    "sm4_gcm_encrypt",
    "verify_hmac_sm3",
]
