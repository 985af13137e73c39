"""JSON from the outside world, parsed so that no input can turn into a crash (an HTTP 500).

``json.loads`` alone has four ways to fail that are not ``JSONDecodeError``: nesting some
thousands deep is a ``RecursionError``; an integer of more than 4,300 digits is a plain
``ValueError``; ``NaN`` / ``Infinity`` are accepted; and ``"\\u0000"`` or a lone surrogate such as
``"\\ud800"`` parse into strings that PostgreSQL (NUL) or the UTF-8 codec (surrogates) refuse later,
deep inside a transaction. :func:`loads` refuses all of them up front with :class:`JsonRefused`, a
``ValueError`` whose message is Chinese and starts with a stable code.

Numbers: a fraction or exponent becomes an exact ``Decimal`` (never a float, see ``money``); an
integer stays an ``int``.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from itertools import accumulate
from typing import Any

MALFORMED = "SS-1001"  # services.errors.Code.MALFORMED (adapters do not import services)
FIELD = "SS-1002"  # services.errors.Code.FIELD
MAX_BYTES = 1 << 20  # 1 MiB, the same default as the HTTP edge guard
MAX_DEPTH = 64  # an envelope nests 3–4 levels; 64 leaves room for any honest document
MAX_INT_DIGITS = 30  # far beyond any amount or count, far below Python's 4,300-digit int limit

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)  # a JSON string, escapes included
_NOT_BRACKET = re.compile(rb"[^\[\]{}]")
_BIG_INT = re.compile(rb"[0-9]{%d,}" % (MAX_INT_DIGITS + 1))


class JsonRefused(ValueError):
    """The text is not JSON we accept; ``code`` is the stable error code, ``message`` Chinese."""

    def __init__(self, message: str, code: str = MALFORMED) -> None:
        super().__init__(f"[{code}] {message}")
        self.code = code
        self.message = message


def depth(data: bytes) -> int:
    """The deepest bracket nesting of ``data``, brackets inside strings not counted. Linear and
    without recursion, so it is safe to run *before* the recursive parser sees the text."""
    brackets = _NOT_BRACKET.sub(b"", _STRING.sub(b"", data))
    if not brackets:
        return 0
    steps = (1 if b in b"[{" else -1 for b in brackets)
    return max(0, *accumulate(steps))


def _constant(name: str) -> Any:
    raise JsonRefused(f"报文含非法数值 {name}")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:  # a backstop: _BIG_INT has refused these already
        raise JsonRefused(f"整数超过 {MAX_INT_DIGITS} 位")
    return int(text)


def _bad_text(value: str) -> str | None:
    """Why ``value`` cannot be stored: a NUL character or a lone surrogate; ``None`` if it can."""
    if "\x00" in value:
        return "含 NUL 字符（\\u0000）"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "含不成对的代理字符（如 \\ud800），不是合法的 Unicode 文本"
    return None


def _check_text(value: Any, path: str) -> None:
    """Refuse NUL and lone surrogates in every key and string of a parsed document (depth is
    bounded by then, so recursion is safe)."""
    if isinstance(value, str):
        why = _bad_text(value)
        if why:
            raise JsonRefused(f"{path or '报文'}：{why}", FIELD)
    elif isinstance(value, dict):
        for key, item in value.items():
            why = _bad_text(key)
            if why:
                raise JsonRefused(f"{path or '报文'} 的字段名{why}", FIELD)
            _check_text(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_text(item, f"{path}[{index}]")


def loads(
    data: bytes | str,
    *,
    max_depth: int = MAX_DEPTH,
    max_bytes: int = MAX_BYTES,
    clean_text: bool = True,
    decimal_ints: bool = False,
) -> Any:
    """Parse UTF-8 JSON of at most ``max_bytes`` bytes nested at most ``max_depth`` deep.

    Fractions and exponents become ``Decimal``; integers stay ``int`` (at most 30 digits), or become
    ``Decimal`` too with ``decimal_ints`` (the hospital interface, where ``"medfee_sumamt": 20`` is
    an amount like any other).
    With ``clean_text`` (the default) a string or key holding NUL or a lone surrogate is refused.
    Every refusal is a :class:`JsonRefused` (a ``ValueError``) with a Chinese message."""
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)
    if len(raw) > max_bytes:
        raise JsonRefused(f"报文过大：{len(raw)} 字节，上限 {max_bytes} 字节")
    if raw.count(b"[") + raw.count(b"{") > max_depth and depth(raw) > max_depth:
        raise JsonRefused(f"报文嵌套过深：超过 {max_depth} 层")
    if _BIG_INT.search(_STRING.sub(b"", raw)):
        raise JsonRefused(f"报文含超过 {MAX_INT_DIGITS} 位的数字")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise JsonRefused(f"报文不是合法的 UTF-8 文本（第 {exc.start} 字节）") from None
    try:
        parse_int = (lambda t: Decimal(_integer(t))) if decimal_ints else _integer
        value = json.loads(text, parse_float=Decimal, parse_int=parse_int, parse_constant=_constant)
    except JsonRefused:
        raise
    except json.JSONDecodeError as exc:
        raise JsonRefused(f"报文不是合法的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # a backstop; the checks above should have caught it
        raise JsonRefused(f"报文无法解析：{type(exc).__name__}") from None
    if clean_text and (b"\\u" in raw or b"\x00" in raw):  # only an escape can make NUL or a surrogate
        _check_text(value, "")
    return value
