"""SM3 and HMAC-SM3 against published vectors.

* SM3: GB/T 32905-2016 Appendix A, examples 1 ("abc") and 2 ("abcd" x 16), as reproduced in e.g.
  Markku-Juhani Saarinen's ``test_sm3.c`` and PUFsecurity's ``pufs_tv_sm3.h``.
* HMAC-SM3: GM/T 0042-2015 Appendix D.3 and two further cases, from OpenSSL
  ``test/recipes/30-test_evp_data/evpmac_sm3.txt`` (commit 33bf1514313a289a5edd08de5fe95b1caf1c7e32).
"""

from __future__ import annotations

import pytest

from syncsettle.adapters.crypto import hmac_sm3, sm3, sm3_hex, verify_hmac_sm3
from syncsettle.domain.trust.hashing import sm3 as domain_sm3


@pytest.mark.parametrize(
    ("message", "digest"),
    [
        (b"abc", "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"),
        (b"abcd" * 16, "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"),
    ],
)
def test_sm3_gbt_32905_examples(message: bytes, digest: str) -> None:
    assert sm3_hex(message) == digest
    assert sm3(message) == bytes.fromhex(digest)


def test_adapter_and_domain_share_one_sm3() -> None:
    assert sm3 is domain_sm3


HMAC_VECTORS = [
    (
        bytes(range(1, 33)),
        b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" * 2,
        "ca05e144ed05d1857840d1f318a4a8669e559fc8391f414485bfdf7bb408963a",
    ),
    (bytes(range(1, 38)), b"\xcd" * 50, "220bf579ded555393f0159f66c99877822a3ecf610d1552154b41d44b94db3ae"),
    (b"\x0b" * 32, b"Hi There", "c0ba18c68b90c88bc07de794bfc7d2c8d19ec31ed8773bc2b390c9604e0be11e"),
    (
        b"Jefe Jeferson Jr",
        b"what do ya want for nothing?",
        "ce791a34c59adef472997a249600f3f244d59e875be04055ba2ae12fc845e78c",
    ),
]


@pytest.mark.parametrize(("key", "message", "tag"), HMAC_VECTORS)
def test_hmac_sm3_published_vectors(key: bytes, message: bytes, tag: str) -> None:
    assert hmac_sm3(key, message).hex() == tag
    assert verify_hmac_sm3(key, message, bytes.fromhex(tag))


def test_verify_hmac_sm3_rejects_changes() -> None:
    key, message, tag_hex = HMAC_VECTORS[2]
    tag = bytes.fromhex(tag_hex)
    assert not verify_hmac_sm3(key, message + b"!", tag)
    assert not verify_hmac_sm3(key[:-1] + b"\x0c", message, tag)
    assert not verify_hmac_sm3(key, message, tag[:-1] + bytes([tag[-1] ^ 1]))
    assert not verify_hmac_sm3(key, message, tag[:16])
