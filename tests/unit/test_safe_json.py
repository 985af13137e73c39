"""JSON from outside: whatever the bytes, ``safe_json.loads`` answers a value or a ``JsonRefused``
with a Chinese message — never a RecursionError, a 4,300-digit ValueError or a string the database
cannot store. (Issue 15, defect 4.)"""

from __future__ import annotations

import contextlib
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncsettle.adapters.safe_json import JsonRefused, depth, loads


def test_an_envelope_parses_with_exact_decimals_and_plain_integers() -> None:
    value = loads(b'{"infno": "2207", "input": {"data": {"medfee_sumamt": 30.10, "cnt": 2, "ok": true}}}')
    data = value["input"]["data"]
    assert data == {"medfee_sumamt": Decimal("30.10"), "cnt": 2, "ok": True}
    assert type(data["cnt"]) is int and type(data["medfee_sumamt"]) is Decimal


def test_chinese_text_and_escaped_pairs_are_kept() -> None:
    assert loads(json.dumps({"name": "张三 😀"}).encode()) == {"name": "张三 😀"}
    assert loads('{"name": "张三"}'.encode()) == {"name": "张三"}


@pytest.mark.parametrize("nesting", [65, 20_000, 150_000])
def test_json_nested_thousands_deep_is_refused_before_the_parser_recurses(nesting: int) -> None:
    with pytest.raises(JsonRefused, match="嵌套过深") as refused:
        loads(b"[" * nesting + b"]" * nesting)
    assert str(refused.value).startswith("[SS-1001] ")
    with pytest.raises(JsonRefused, match="嵌套过深"):
        loads(b'{"a":' * nesting + b"1" + b"}" * nesting)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = json.dumps({"note": "[" * 1000 + '\\"{' * 500})
    assert loads(text.encode())["note"].startswith("[[[")
    assert depth(text.encode()) == 1


def test_sixty_four_levels_are_still_accepted() -> None:
    assert loads(b"[" * 64 + b"]" * 64) is not None
    with pytest.raises(JsonRefused):
        loads(b"[" * 9 + b"]" * 9, max_depth=8)


def test_a_body_over_the_size_limit_is_refused() -> None:
    with pytest.raises(JsonRefused, match="报文过大"):
        loads(b'"' + b"x" * 100 + b'"', max_bytes=50)


@pytest.mark.parametrize("text", [b'{"psn_no": "P\\u0000"}', b'{"psn_no": "\\ud800"}', b'{"\\udfff": 1}',
                                  b'["ok", {"mdtrt_id": ["x\\u0000y"]}]'])  # fmt: skip
def test_nul_and_lone_surrogates_are_refused_as_a_field_error(text: bytes) -> None:
    with pytest.raises(JsonRefused, match=r"NUL|代理字符") as refused:
        loads(text)
    assert str(refused.value).startswith("[SS-1002] ")


def test_the_refused_field_is_named() -> None:
    with pytest.raises(JsonRefused, match=r"input\.data\.psn_no"):
        loads(b'{"input": {"data": {"psn_no": "\\u0000"}}}')


@pytest.mark.parametrize("text", [b"NaN", b"[Infinity]", b"-Infinity", b"1" * 5000, b'{"a": -' + b"9" * 40 + b"}"])
def test_non_finite_and_giant_numbers_are_refused(text: bytes) -> None:
    with pytest.raises(JsonRefused):
        loads(text)


@pytest.mark.parametrize("text", [b"", b"{", b"\xff\xfe", b'{"a": 1,}', b"\x00", b'"\xed\xa0\x80"'])
def test_malformed_text_is_refused_in_chinese(text: bytes) -> None:
    with pytest.raises(JsonRefused, match="报文"):
        loads(text)


def test_the_text_check_can_be_switched_off() -> None:
    assert loads(b'"\\u0000"', clean_text=False) == "\x00"


@given(st.binary(max_size=300) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_bytes_give_a_value_or_a_refusal(data: bytes) -> None:
    with contextlib.suppress(JsonRefused):
        loads(data)


@given(st.recursive(st.none() | st.booleans() | st.integers(-(10**30) + 1, 10**30 - 1) | st.text(),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
                    max_leaves=20))  # fmt: skip
def test_what_json_dumps_writes_loads_back(value: object) -> None:
    try:
        assert loads(json.dumps(value).encode()) == value
    except JsonRefused as refused:  # only for text the database could not store (30-digit ints pass)
        assert "NUL" in str(refused) or "代理" in str(refused)
