"""SM4 and SM4-GCM against published vectors, and the sealing contract.

* SM4 block cipher: GB/T 32907-2016 Appendix A examples 1 and 2 (the latter: 1,000,000 encryptions),
  as in OpenSSL ``test/sm4_internal_test.c``.
* SM4-GCM: RFC 8998 Appendix A.1. The same digits appear in the test suites of pyca/cryptography,
  GNU Nettle (``gcm-test.c``), Bouncy Castle (``SM4Test``) and GmSSL (``sm4_gcmtest``), all citing RFC 8998.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from syncsettle.adapters.crypto import (
    DecryptionError,
    KeyFormatError,
    generate_sm4_key,
    sm4_gcm_decrypt,
    sm4_gcm_encrypt,
)
from syncsettle.adapters.crypto.sm4 import GCM_NONCE_SIZE, GCM_TAG_SIZE, _seal

GBT_KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")

RFC8998_KEY = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
RFC8998_IV = bytes.fromhex("00001234567800000000ABCD")
RFC8998_AAD = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
RFC8998_PLAINTEXT = bytes.fromhex(
    "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB"
    "CCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
    "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFF"
    "EEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
)
RFC8998_CIPHERTEXT = bytes.fromhex(
    "17F399F08C67D5EE19D0DC9969C4BB7D"
    "5FD46FD3756489069157B282BB200735"
    "D82710CA5C22F0CCFA7CBF93D496AC15"
    "A56834CBCF98C397B4024A2691233B8D"
)
RFC8998_TAG = bytes.fromhex("83DE3541E4C2B58177E065A9BF7B62EC")
RFC8998_SEALED = RFC8998_IV + RFC8998_CIPHERTEXT + RFC8998_TAG


def test_sm4_gbt_32907_example_1() -> None:
    encryptor = Cipher(algorithms.SM4(GBT_KEY), modes.ECB()).encryptor()
    assert (encryptor.update(GBT_KEY) + encryptor.finalize()).hex() == "681edf34d206965e86b3e94f536e4246"


def test_sm4_gbt_32907_example_2_one_million_encryptions() -> None:
    encryptor = Cipher(algorithms.SM4(GBT_KEY), modes.ECB()).encryptor()
    block = GBT_KEY
    for _ in range(1_000_000):
        block = encryptor.update(block)
    assert block.hex() == "595298c7c6fd271f0402f804c33d3f66"


def test_sm4_gcm_rfc8998_encrypt() -> None:
    assert _seal(RFC8998_KEY, RFC8998_IV, RFC8998_PLAINTEXT, RFC8998_AAD) == RFC8998_SEALED


def test_sm4_gcm_rfc8998_decrypt() -> None:
    assert sm4_gcm_decrypt(RFC8998_KEY, RFC8998_SEALED, RFC8998_AAD) == RFC8998_PLAINTEXT


def test_round_trip_and_layout() -> None:
    key = generate_sm4_key()
    sealed = sm4_gcm_encrypt(key, b"370102199001011234", b"person/42/id_no")
    assert len(sealed) == GCM_NONCE_SIZE + len(b"370102199001011234") + GCM_TAG_SIZE
    assert sm4_gcm_decrypt(key, sealed, b"person/42/id_no") == b"370102199001011234"
    assert sm4_gcm_decrypt(key, sm4_gcm_encrypt(key, b"", b""), b"") == b""


def test_fresh_nonce_every_time() -> None:
    key = generate_sm4_key()
    sealed = {sm4_gcm_encrypt(key, b"same", b"aad") for _ in range(50)}
    assert len(sealed) == 50
    assert len({s[:GCM_NONCE_SIZE] for s in sealed}) == 50


@pytest.mark.parametrize(
    "position", [0, GCM_NONCE_SIZE - 1, GCM_NONCE_SIZE, len(RFC8998_SEALED) - GCM_TAG_SIZE - 1, -1]
)
def test_any_flipped_bit_is_refused(position: int) -> None:
    tampered = bytearray(RFC8998_SEALED)
    tampered[position] ^= 0x01
    with pytest.raises(DecryptionError, match="authentication failed"):
        sm4_gcm_decrypt(RFC8998_KEY, bytes(tampered), RFC8998_AAD)


def test_every_byte_is_covered() -> None:
    for position in range(len(RFC8998_SEALED)):
        tampered = bytearray(RFC8998_SEALED)
        tampered[position] ^= 0x80
        with pytest.raises(DecryptionError):
            sm4_gcm_decrypt(RFC8998_KEY, bytes(tampered), RFC8998_AAD)


def test_wrong_associated_data_or_key_is_refused() -> None:
    with pytest.raises(DecryptionError):
        sm4_gcm_decrypt(RFC8998_KEY, RFC8998_SEALED, RFC8998_AAD + b"x")
    with pytest.raises(DecryptionError):
        sm4_gcm_decrypt(RFC8998_KEY, RFC8998_SEALED, b"")
    with pytest.raises(DecryptionError):
        sm4_gcm_decrypt(generate_sm4_key(), RFC8998_SEALED, RFC8998_AAD)


def test_truncated_value_is_refused() -> None:
    with pytest.raises(DecryptionError, match="shorter"):
        sm4_gcm_decrypt(RFC8998_KEY, RFC8998_SEALED[: GCM_NONCE_SIZE + GCM_TAG_SIZE - 1], RFC8998_AAD)
    with pytest.raises(DecryptionError):
        sm4_gcm_decrypt(RFC8998_KEY, RFC8998_SEALED[:-1], RFC8998_AAD)


@pytest.mark.parametrize("size", [0, 15, 17, 32])
def test_key_must_be_16_bytes(size: int) -> None:
    with pytest.raises(KeyFormatError, match="16 bytes"):
        sm4_gcm_encrypt(bytes(size), b"x", b"")
    with pytest.raises(KeyFormatError, match="16 bytes"):
        sm4_gcm_decrypt(bytes(size), RFC8998_SEALED, b"")
