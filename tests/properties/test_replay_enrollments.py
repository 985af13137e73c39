"""The replay finds each claim's enrollment in the replaced product with NumPy; it must be the one
the settlement saw: the person's lowest-id active enrollment in force on the claim's day."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from syncsettle.services.computing.replay_claims import Context, enrollment_in_force

PRODUCT, OTHER = "city", "other"
START = date(2025, 1, 1)
persons = st.sampled_from(["A1", "A2", "B10", "B9", "C"])
enrollment = st.tuples(persons, st.sampled_from([PRODUCT, PRODUCT, OTHER]), st.integers(0, 360), st.integers(0, 200))
claim = st.tuples(persons, st.integers(0, 365))


@settings(max_examples=300, deadline=None)
@given(st.lists(enrollment, max_size=12), st.lists(claim, max_size=40))
def test_the_lowest_id_enrollment_in_force_on_the_day(
    enrollments: list[tuple[str, str, int, int]], claims: list[tuple[str, int]]
) -> None:
    enrolled: dict[str, list[dict[str, Any]]] = {}
    for i, (psn, product, begin, length) in enumerate(enrollments, start=1):
        row = {"id": i, "psn_no": psn, "product_id": product, "begndate": START + timedelta(days=begin),
               "enddate": START + timedelta(days=begin + length)}  # fmt: skip
        enrolled.setdefault(psn, []).append(row)
    ctx = Context(candidate=None, replaces=PRODUCT, products={}, enrolled=enrolled, special={})  # type: ignore[arg-type]
    psn = np.array([p for p, _ in claims] or [""], dtype=np.str_)[: len(claims)]
    day = np.array([(START + timedelta(days=d)).toordinal() for _, d in claims], dtype=np.int64)
    found = enrollment_in_force(ctx, psn, day)
    for k, (p, d) in enumerate(claims):
        on = START + timedelta(days=d)
        mine = [e for e in enrolled.get(p, []) if e["product_id"] == PRODUCT]
        ids = [e["id"] for e in mine if e["begndate"] <= on <= e["enddate"]]
        assert found[k] == (min(ids) if ids else -1)
