"""The 商保码's format and rules (pure): a code reads back only with the platform's signature over
exactly its canonical payload, and only while the platform's record of it is active and unexpired."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from syncsettle.adapters.settings import KeyRing
from syncsettle.domain.commercial import claim_code as rules
from syncsettle.domain.commercial.claim_code import ClaimCode, CodeRefused, Refusal, Stored

ISSUED = datetime(2025, 6, 10, 2, 0, tzinfo=UTC)
CODE = ClaimCode("CC00112233445566778899", "P0002", "acme-supplementary-2025", ISSUED, ISSUED + timedelta(days=30))
KEYS = KeyRing()


def _verify(name: str = "platform"):  # type: ignore[no-untyped-def]
    public = KEYS.public(name)
    return lambda signature, payload: public.verify(signature, payload)


def _signed(code: ClaimCode = CODE, signer: str = "platform") -> str:
    return rules.encode(code, KEYS.signer(signer).sign(code.payload()))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _refusal(text: str) -> Refusal:
    with pytest.raises(CodeRefused) as caught:
        rules.read(text, _verify())
    return caught.value.reason


def test_a_signed_code_reads_back_as_itself_and_fits_a_qr() -> None:
    text = _signed()
    assert text.startswith("SSC1.") and len(text) < 300
    assert rules.read(text, _verify()) == CODE
    assert rules.read(f"  {text}\n", _verify()) == CODE  # as a scanner may hand it over


def test_any_changed_part_is_refused_as_forged() -> None:
    prefix, payload, signature = _signed().split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for change in ({"psn": "P0003"}, {"prd": "yantai-shiminjiankangbao-2025"}, {"exp": body["exp"] + 86400 * 365}):
        edited = json.dumps({**body, **change}, sort_keys=True, separators=(",", ":")).encode()
        assert _refusal(f"{prefix}.{_b64(edited)}.{signature}") is Refusal.FORGED
    flipped = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    flipped[-1] ^= 1
    assert _refusal(f"{prefix}.{payload}.{_b64(bytes(flipped))}") is Refusal.FORGED
    assert _refusal(_signed(signer="commercial_platform")) is Refusal.FORGED  # another key, even a real one


def test_what_is_not_a_code_is_malformed() -> None:
    text = _signed()
    for bad in ("", "hello", text.replace("SSC1", "SSC2", 1), text + ".x", text.replace(".", ". ", 1),
                "SSC1.!!!.AAAA", "SSC1." + "A" * 700 + ".AAAA"):  # fmt: skip
        assert _refusal(bad) is Refusal.MALFORMED, bad


def test_a_validly_signed_payload_out_of_canonical_form_is_malformed() -> None:
    """One code has one signed spelling: a payload with white space or extra keys is not ours."""
    spaced = json.dumps(json.loads(CODE.payload()), sort_keys=True).encode()
    extra = json.dumps({**json.loads(CODE.payload()), "x": 1}, sort_keys=True, separators=(",", ":")).encode()
    for payload in (spaced, extra):
        text = f"SSC1.{_b64(payload)}.{_b64(KEYS.signer('platform').sign(payload))}"
        assert _refusal(text) is Refusal.MALFORMED


def test_the_rules_on_the_stored_record() -> None:
    now = ISSUED + timedelta(days=1)
    rules.judge(CODE, Stored(CODE, "active"), now)  # accepted: nothing raised
    cases = [
        (None, now, Refusal.UNKNOWN),
        (Stored(CODE.__class__(CODE.code_id, "P0003", CODE.product_id, ISSUED, CODE.expires_at), "active"), now,
         Refusal.UNKNOWN),
        (Stored(CODE, "revoked"), now, Refusal.REVOKED),
        (Stored(CODE, "superseded"), now, Refusal.SUPERSEDED),
        (Stored(CODE, "active"), CODE.expires_at, Refusal.EXPIRED),  # expiry is exclusive
        (Stored(CODE, "active"), ISSUED - timedelta(seconds=1), Refusal.NOT_YET),
    ]  # fmt: skip
    for stored, at, reason in cases:
        with pytest.raises(CodeRefused) as caught:
            rules.judge(CODE, stored, at)
        assert caught.value.reason is reason


def test_an_expired_code_says_when_in_beijing_time() -> None:
    with pytest.raises(CodeRefused, match="已过期") as caught:
        rules.judge(CODE, Stored(CODE, "active"), CODE.expires_at + timedelta(hours=1))
    assert "2025-07-10 10:00" in str(caught.value)  # 02:00 UTC is 10:00 in Beijing
