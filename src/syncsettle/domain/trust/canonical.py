"""Canonical JSON: the one byte form of a statement that is hashed or signed (pure).

Keys sorted, no insignificant whitespace, UTF-8 (Chinese text as itself, not ``\\u`` escapes),
floats refused (an amount is a yuan string or integer fen). Two parties that build the same
statement get the same bytes, so a signature or a hash made by one is checkable by the other.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any


def _no_float(value: Any) -> Any:
    if isinstance(value, float):
        raise TypeError(f"canonical JSON refuses the float {value!r}: use a string or integer")
    if isinstance(value, dict):
        return {str(k): _no_float(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_float(v) for v in value]
    return value


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON-able value (dicts, lists, strings, ints, bools, None)."""
    return json.dumps(_no_float(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def instant(at: datetime) -> str:
    """An aware timestamp in the one text form statements use: UTC, microseconds, ``Z``."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: timestamps are aware (UTC)")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_instant(text: str) -> datetime:
    """The timestamp :func:`instant` wrote (``ValueError`` for any other form)."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
