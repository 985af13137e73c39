"""A fuzz corpus for the national envelope: random documents and mutated real envelopes, as bytes, to
both paths. Whatever arrives, the answer is the envelope (HTTP 200, or 401 for a failed
authentication on ``/fsi/api``), never a server error, and a refusal writes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from syncsettle.adapters.db.core.schema import fee_lines, settlements, visits
from tests.conformance.runner import GATEWAY
from tests.world import World

H = "H37060000001"
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**40), max_value=10**40),
    st.decimals(allow_nan=False, allow_infinity=False, places=4).map(str), st.text(max_size=40),
    st.sampled_from(["", " ", "0000", "-1", "1e308", "３０.００", "\x00", "\ud800", "NaN", "2025-13-40 25:61:61"]),
)  # fmt: skip
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12),
                      inner, max_size=4), max_leaves=12)  # fmt: skip
INFNOS = st.sampled_from(["9001", "9002", "9101", "1101", "2201", "2203", "2204", "2205", "2206", "2207", "2208",
                          "2301", "2302", "2303", "2304", "2305", "2401", "2402", "2601", "3201", "3202", "5203",
                          "5204", "3101", "3102", "0000", ""])  # fmt: skip
PARTS = st.sampled_from(["data", "mdtrtinfo", "dscginfo", "feedetail", "diseinfo", "signIn", "signOut", "fsUploadIn"])
FIELDS = st.sampled_from(["psn_no", "mdtrt_id", "setl_id", "insutype", "med_type", "medfee_sumamt", "cnt", "pric",
                          "det_item_fee_sumamt", "feedetl_sn", "init_feedetl_sn", "chrg_bchno", "begntime",
                          "mdtrt_cert_type", "mdtrt_cert_no", "omsgid", "oinfno", "file_qury_no", "in", "sign_no",
                          "stmt_begndate", "stmt_enddate", "acct_used_flag", "mid_setl_flag"])  # fmt: skip


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    part = draw(PARTS)
    content: Any = draw(st.dictionaries(FIELDS, VALUES, max_size=6))
    if part in ("feedetail", "diseinfo") and draw(st.booleans()):
        content = [content]
    body: dict[str, Any] = {
        "infno": draw(INFNOS), "msgid": draw(st.text(max_size=45) | st.just(f"{H}20250610100000")),
        "fixmedins_code": draw(st.just(H) | st.text(max_size=20)), "mdtrtarea_admvs": draw(st.just("370600") | VALUES),
        "insuplc_admdvs": draw(st.just("") | VALUES), "sign_no": draw(st.just("") | VALUES),
        "input": draw(st.just({part: content}) | VALUES),
    }  # fmt: skip
    if draw(st.booleans()):
        body[draw(st.text(max_size=10))] = draw(VALUES)
    raw = json.dumps(body, ensure_ascii=draw(st.booleans()), default=str)
    cut = draw(st.integers(min_value=0, max_value=len(raw)))
    return (raw if draw(st.integers(0, 9)) else raw[:cut]).encode("utf-8", "surrogatepass")


def _rows(world: World) -> tuple[int, ...]:
    with world.platform.uow(readonly=True) as uow:
        return tuple(uow.conn.execute(select(func.count()).select_from(t)).scalar_one()
                     for t in (visits, fee_lines, settlements))  # fmt: skip


@pytest.fixture
def sqlite_world(tmp_path: Any) -> World:
    return World(f"sqlite:///{tmp_path / 'fuzz.db'}")


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=envelopes(), gateway=st.booleans())
def test_any_envelope_is_answered_in_the_envelope(sqlite_world: World, body: bytes, gateway: bool) -> None:
    world = sqlite_world
    before = _rows(world)
    response = world.client.post(
        GATEWAY if gateway else "/fsi/api", content=body,
        headers={"Authorization": f"Bearer {world.secrets[H]}", "Content-Type": "application/json"},
    )  # fmt: skip
    assert response.status_code in ((200,) if gateway else (200, 401)), response.text
    answer = response.json()
    assert answer["infcode"] in (0, -1)
    if answer["infcode"] == -1:
        assert answer["err_msg"].startswith("[SS-") and answer["err_code"].startswith("SS-")
        assert _rows(world) == before
