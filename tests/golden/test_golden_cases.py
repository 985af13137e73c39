"""Golden cases: readable files, each a bill in and every share out, computed by hand.

``cases/*.json`` = ``{"title", "computation": [...], "case": {...}, "expected": {...}}``; the expected
object is a subset of the quote output (dicts key by key; ``commercial`` matched by product, its
``responsibilities`` by id; ``setldetail`` by ``fund_pay_type``).
``errors/*.json`` = a malformed case and the field its one-line error must name.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from syncsettle.adapters.case_file import price_case, read_case, render_settlement
from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle.domain.settlement.errors import InvalidInput

HERE = Path(__file__).parent
CASES = sorted((HERE / "cases").glob("*.json"))
ERRORS = sorted((HERE / "errors").glob("*.json"))
_KEYS = ("product", "id", "fund_pay_type")


def _match(expected: Any, actual: Any, path: str, problems: list[str]) -> None:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            problems.append(f"{path}: expected an object, got {actual!r}")
            return
        for key, value in expected.items():
            if key not in actual:
                problems.append(f"{path}.{key}: missing from the output")
            else:
                _match(value, actual[key], f"{path}.{key}", problems)
    elif isinstance(expected, list) and expected and isinstance(expected[0], dict):
        key = next((k for k in _KEYS if k in expected[0]), None)
        if key is None or not isinstance(actual, list):
            _match_plain(expected, actual, path, problems)
            return
        by_key = {item.get(key): item for item in actual}
        for item in expected:
            found = by_key.get(item[key])
            if found is None:
                problems.append(f"{path}[{key}={item[key]}]: missing from the output")
            else:
                _match(item, found, f"{path}[{key}={item[key]}]", problems)
    else:
        _match_plain(expected, actual, path, problems)


def _match_plain(expected: Any, actual: Any, path: str, problems: list[str]) -> None:
    if expected != actual:
        problems.append(f"{path}: expected {expected!r}, got {actual!r}")


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_golden_case(path: Path) -> None:
    spec = json.loads(path.read_text(encoding="utf-8"))
    output = render_settlement(price_case(read_case(spec["case"], shipped_rulebook())))
    problems: list[str] = []
    _match(spec["expected"], output, "", problems)
    assert not problems, f"{spec['title']}\n" + "\n".join(problems)
    summary = output["summary"]
    parts = sum(int(summary[k].replace(".", "")) for k in ("public_funds", "commercial", "personal_account", "cash"))
    assert parts == int(summary["total"].replace(".", ""))


@pytest.mark.parametrize("path", ERRORS, ids=[p.stem for p in ERRORS])
def test_malformed_case_names_the_field(path: Path) -> None:
    spec = json.loads(path.read_text(encoding="utf-8"))
    with pytest.raises(InvalidInput) as caught:
        price_case(read_case(spec["case"], shipped_rulebook()))
    assert caught.value.field == spec["field"], str(caught.value)
    assert "\n" not in str(caught.value)
