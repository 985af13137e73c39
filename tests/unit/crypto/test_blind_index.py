"""Blind index: keyed, deterministic, normalisation-aware look-up of encrypted identifiers."""

from __future__ import annotations

import pytest

from syncsettle.adapters.crypto import KeyFormatError, blind_index, hmac_sm3, normalise_identifier

KEY = bytes(range(32))


def test_is_hmac_sm3_of_the_utf8_text_in_hex() -> None:
    assert blind_index(KEY, "37010219900101123X") == hmac_sm3(KEY, b"37010219900101123X").hex()
    assert len(blind_index(KEY, "x")) == 64


def test_deterministic_and_keyed() -> None:
    assert blind_index(KEY, "37010219900101123X") == blind_index(KEY, "37010219900101123X")
    assert blind_index(KEY, "37010219900101123X") != blind_index(bytes(32), "37010219900101123X")
    assert blind_index(KEY, "37010219900101123X") != blind_index(KEY, "370102199001011230")


@pytest.mark.parametrize(
    "written",
    ["37010219900101123X", "37010219900101123x", " 370102 19900101 123x ", "３７０１０２１９９００１０１１２３ｘ"],
)
def test_normalisation_makes_spellings_meet(written: str) -> None:
    assert normalise_identifier(written) == "37010219900101123X"
    assert blind_index(KEY, normalise_identifier(written)) == blind_index(KEY, "37010219900101123X")


def test_short_key_is_refused() -> None:
    with pytest.raises(KeyFormatError, match="at least 16 bytes"):
        blind_index(b"short", "37010219900101123X")
