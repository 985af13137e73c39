"""Bad input through HTTP: a clear ``infcode -1`` answer with a stable code, never a 500, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from syncsettle.adapters.db.core.schema import fee_lines, idempotency, journals, settlements, visits
from tests.world import World, line


def _rows(world: World) -> tuple[int, ...]:
    with world.platform.uow() as uow:
        return tuple(
            int(uow.conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (visits, fee_lines, settlements, journals, idempotency)
        )


def _post_raw(world: World, body: bytes | str, hospital: str = "H37060000001") -> dict[str, Any]:
    response = world.client.post(
        "/fsi/api", content=body, headers={"Authorization": f"Bearer {world.secrets[hospital]}"}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_malformed_envelopes(world: World) -> None:
    before = _rows(world)
    assert _post_raw(world, b"{not json")["err_code"] == "SS-1001"
    assert _post_raw(world, b"[1, 2]")["err_code"] == "SS-1001"
    missing_infno = _post_raw(world, b'{"msgid": "X1", "fixmedins_code": "H37060000001", "input": {}}')
    assert missing_infno["err_code"] == "SS-1002" and "infno" in missing_infno["err_msg"]
    assert _rows(world) == before


def test_unknown_infno_and_bad_credentials(world: World) -> None:
    assert world.call("9999", {"data": {}})["err_code"] == "SS-1003"
    denied = world.call("1101", {"data": {"psn_no": "P0001"}}, secret="wrong")
    assert denied["infcode"] == -1 and denied["err_code"] == "SS-1101"


@pytest.mark.parametrize(
    ("infno", "payload", "code", "field"),
    [
        ("2201", {"data": {"psn_no": "P0001", "insutype": ["390"]}}, "SS-1002", "insutype"),
        ("2201", {"data": {"psn_no": "P0001", "insutype": 391}}, "SS-1002", "insutype"),  # a number, but no code
        ("2201", {"data": {"psn_no": "NOBODY", "insutype": "390"}}, "SS-1201", "psn_no"),
        ("2201", {"data": {"psn_no": "P0001", "insutype": "310"}}, "SS-1204", "insutype"),
        ("2201", {"data": "not an object"}, "SS-1002", "input.data"),
        ("2207", {"data": {"mdtrt_id": "MDNOPE"}}, "SS-1201", "mdtrt_id"),
        ("2208", {"data": {"setl_id": "STNOPE", "mdtrt_id": "MDNOPE"}}, "SS-1201", "setl_id"),
        ("3201", {"data": {"insutype": "390", "clr_type": "11", "stmt_begndate": "2025-06-01"}}, "SS-1002",
         "input.data.stmt_enddate"),
    ],
)  # fmt: skip
def test_field_errors(world: World, infno: str, payload: dict[str, Any], code: str, field: str) -> None:
    before = _rows(world)
    result = world.call(infno, payload)
    assert result["infcode"] == -1
    assert result["err_code"] == code, result["err_msg"]
    assert field in result["err_msg"]
    assert _rows(world) == before


def test_fee_lines_that_do_not_add_up_or_belong_elsewhere(world: World) -> None:
    mdtrt_id = world.outpatient_visit("P0001", [line("1", "001101000010000", "1", "30.00", "30.00")])
    before = _rows(world)
    wrong_total = world.call(
        "2204", {"feedetail": [dict(line("2", "250101001", "2", "25.00", "49.00"), mdtrt_id=mdtrt_id)]}
    )
    assert wrong_total["err_code"] == "SS-1002" and "det_item_fee_sumamt" in wrong_total["err_msg"]
    float_cnt = world.call("2204", {"feedetail": [dict(line("2", "250101001", "2.12345", "25.00", "50.00"),
                                                      mdtrt_id=mdtrt_id)]})  # fmt: skip
    assert float_cnt["err_code"] == "SS-1002"
    duplicate = world.call(
        "2204", {"feedetail": [dict(line("1", "250101001", "1", "25.00", "25.00"), mdtrt_id=mdtrt_id)]}
    )
    assert duplicate["err_code"] == "SS-1203"
    other = world.call(
        "2204", {"feedetail": [dict(line("9", "250101001", "1", "25.00", "25.00"), mdtrt_id=mdtrt_id)]},
        hospital="H37060000002",
    )  # fmt: skip
    assert other["err_code"] == "SS-1102"
    stated = world.call("2207", {"data": {"mdtrt_id": mdtrt_id, "medfee_sumamt": "31.00"}})
    assert stated["err_code"] == "SS-1002" and "medfee_sumamt" in stated["err_msg"]
    settle_elsewhere = world.call("2207", {"data": {"mdtrt_id": mdtrt_id}}, hospital="H37060000002")
    assert settle_elsewhere["err_code"] == "SS-1102"
    assert _rows(world) == before


def test_reversing_twice_and_reversing_a_reversal(world: World) -> None:
    mdtrt_id = world.outpatient_visit("P0001", [line("1", "001101000010000", "1", "30.00", "30.00")])
    setl_id = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id}})["setlinfo"]["setl_id"]
    reversal = world.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id}})
    before = _rows(world)
    twice = world.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id}})
    assert twice["err_code"] == "SS-1202"
    of_reversal = world.call("2208", {"data": {"setl_id": reversal["setlinfo"]["setl_id"], "mdtrt_id": mdtrt_id}})
    assert of_reversal["err_code"] == "SS-1202"
    elsewhere = world.call("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id}}, hospital="H37060000002")
    assert elsewhere["err_code"] == "SS-1102"
    assert _rows(world) == before


def test_msgid_reused_for_another_request_is_refused(world: World) -> None:
    a = world.outpatient_visit("P0001", [line("1", "001101000010000", "1", "30.00", "30.00")])
    b = world.outpatient_visit("P0001", [line("1", "001101000010000", "1", "40.00", "40.00")])
    world.ok("2207", {"data": {"mdtrt_id": a}}, msgid="SAME-MSG")
    replay = world.ok("2207", {"data": {"mdtrt_id": a}}, msgid="SAME-MSG")
    assert replay["summary"]["total"] == "30.00"
    reused = world.call("2207", {"data": {"mdtrt_id": b}}, msgid="SAME-MSG")
    assert reused["err_code"] == "SS-1203"
