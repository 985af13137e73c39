"""SM2 signing checked against GM/T 0003.5-2012 Annex A with the standard's own equations.

``test_sm2.py`` verifies the published signature through Tongsuo. Signing cannot be replayed there
(its nonce is random, as it must be), so this test carries a small independent implementation of
the GM/T 0003.2 equations in plain Python — curve arithmetic, ``Z_A``, ``e`` — and shows three
things: with the published nonce ``k`` the equations give exactly the published ``(r, s)``; the
published signature passes the equations' verification; and a signature made by the platform's
signer (Tongsuo, key ``d`` of the example) passes it too — so what the platform signs is SM2 as
the standard defines it, default user ID included.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from tests.unit.crypto.test_sm2 import GM_D, GM_MESSAGE, GM_R, GM_S, GM_X, GM_Y

from syncsettle.adapters.crypto import Sm2PrivateKey
from syncsettle.domain.trust.hashing import sm3

P = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF
A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
N = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
G = (
    0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7,
    0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0,
)
GM_K = 0x59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21  # the example's nonce
USER_ID = b"1234567812345678"
Point = tuple[int, int] | None


def add(p1: Point, p2: Point) -> Point:
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    tangent = p1 == p2
    slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) if tangent else (y2 - y1) * pow(x2 - x1, -1, P)
    slope %= P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def mul(k: int, point: Point) -> Point:
    result: Point = None
    while k:
        if k & 1:
            result = add(result, point)
        point = add(point, point)
        k >>= 1
    return result


def digest(public: tuple[int, int], message: bytes) -> int:
    """``e = SM3(Z_A || M)`` with ``Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A)``."""
    parts = (A, B, *G, *public)
    z = sm3((len(USER_ID) * 8).to_bytes(2, "big") + USER_ID + b"".join(v.to_bytes(32, "big") for v in parts))
    return int.from_bytes(sm3(z + message), "big")


def sign(d: int, k: int, message: bytes) -> tuple[int, int]:
    public = mul(d, G)
    assert public is not None
    kg = mul(k, G)
    assert kg is not None
    r = (digest(public, message) + kg[0]) % N
    s = pow(1 + d, -1, N) * (k - r * d) % N
    return r, s


def verify(public: tuple[int, int], message: bytes, r: int, s: int) -> bool:
    if not (0 < r < N and 0 < s < N):
        return False
    t = (r + s) % N
    point = add(mul(s, G), mul(t, public))
    return point is not None and (digest(public, message) + point[0]) % N == r


EXAMPLE_PUBLIC = (int(GM_X, 16), int(GM_Y, 16))


def test_the_equations_reproduce_the_published_signature() -> None:
    assert mul(GM_D, G) == EXAMPLE_PUBLIC
    assert sign(GM_D, GM_K, GM_MESSAGE) == (GM_R, GM_S)
    assert verify(EXAMPLE_PUBLIC, GM_MESSAGE, GM_R, GM_S)
    assert not verify(EXAMPLE_PUBLIC, b"message digesT", GM_R, GM_S)


def test_the_platform_signer_signs_sm2_as_the_standard_defines_it() -> None:
    signer = Sm2PrivateKey.from_scalar(GM_D)
    for message in (GM_MESSAGE, "审计检查点".encode()):
        r, s = decode_dss_signature(signer.sign(message))
        assert verify(EXAMPLE_PUBLIC, message, r, s)
