"""The national gateway's transport: x-tif-* signatures, the replay window, sign-in, regions, and
answers in the envelope on the gateway's path (HTTP 200 always)."""

from __future__ import annotations

import hashlib
from typing import Any

from syncsettle.services.management import gateway
from tests.conformance.runner import GATEWAY, signed_headers
from tests.world import World, line

H = "H37060000001"


def _envelope(world: World, infno: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"infno": infno, "msgid": world.msgid(), "fixmedins_code": H, "mdtrtarea_admvs": "370600",
            "insuplc_admdvs": "", "sign_no": "", "inf_time": "", "input": payload, **extra}  # fmt: skip


def _post(world: World, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    response = world.client.post(GATEWAY, json=body, headers=headers)
    return response.status_code, response.json()


def test_the_signature_is_sha256_of_timestamp_token_nonce_timestamp() -> None:
    assert gateway.signature_of("1700000000", "tok", "n1") == hashlib.sha256(b"1700000000tokn11700000000").hexdigest()


def test_a_signed_request_is_answered_and_a_replayed_nonce_refused(world: World) -> None:
    headers = signed_headers(H, world.secrets[H], world.clock.now())
    status, answer = _post(world, _envelope(world, "1101", {"data": {"psn_no": "P0001"}}), headers)
    assert (status, answer["infcode"]) == (200, 0)
    assert len(answer["inf_refmsgid"]) == 30 and answer["inf_refmsgid"].startswith("370600")
    assert len(answer["refmsg_time"]) == len(answer["respond_time"]) == 17
    status, again = _post(world, _envelope(world, "1101", {"data": {"psn_no": "P0001"}}), headers)
    assert (status, again["infcode"], again["err_code"]) == (200, -1, "SS-1104")


def test_a_stale_timestamp_a_wrong_token_and_missing_headers_are_refused_in_the_envelope(world: World) -> None:
    body = _envelope(world, "1101", {"data": {"psn_no": "P0001"}})
    world.clock.advance(seconds=-400)
    stale = signed_headers(H, world.secrets[H], world.clock.now())
    world.clock.advance(seconds=400)
    cases = [
        (stale, "SS-1104"),
        (signed_headers(H, "not-the-token", world.clock.now()), "SS-1101"),
        ({"x-tif-paasid": H, "x-tif-timestamp": "1"}, "SS-1101"),
        ({}, "SS-1101"),
        (signed_headers("H99999999999", world.secrets[H], world.clock.now()), "SS-1101"),
    ]
    for headers, code in cases:
        status, answer = _post(world, body, headers)
        assert (status, answer["infcode"], answer["err_code"]) == (200, -1, code), answer
        assert answer["err_msg"].startswith(f"[{code}]")
    # the platform's own path keeps HTTP 401 for a failed authentication
    assert world.client.post("/fsi/api", json=body).status_code == 401


def test_bearer_is_still_accepted_on_the_gateway_path(world: World) -> None:
    body = _envelope(world, "1101", {"data": {"psn_no": "P0001"}})
    status, answer = _post(world, body, {"Authorization": f"Bearer {world.secrets[H]}"})
    assert (status, answer["infcode"]) == (200, 0)


def test_sign_in_out_and_the_require_policy(world: World) -> None:
    signed = world.ok("9001", {"signIn": {"opter_no": "001", "mac": "", "ip": "10.0.0.1"}})
    sign_no = signed["signinoutb"]["sign_no"]
    assert len(sign_no) == 30
    gateway.set_sign_no_policy(world.platform, H, "require")
    body = _envelope(world, "1101", {"data": {"psn_no": "P0001"}})
    bearer = {"Authorization": f"Bearer {world.secrets[H]}"}
    assert _post(world, body, bearer)[1]["err_code"] == "SS-1103"  # no sign_no
    assert _post(world, {**body, "msgid": world.msgid(), "sign_no": sign_no}, bearer)[1]["infcode"] == 0
    world.ok("9002", {"signOut": {"sign_no": sign_no, "opter_no": "001"}})
    closed = _post(world, {**body, "msgid": world.msgid(), "sign_no": sign_no}, bearer)[1]
    assert closed["err_code"] == "SS-1103" and "已签退" in closed["err_msg"]
    gateway.set_sign_no_policy(world.platform, H, "tolerate")
    assert _post(world, {**body, "msgid": world.msgid()}, bearer)[1]["infcode"] == 0


def test_a_stale_sign_in_is_refused_the_next_day(world: World) -> None:
    sign_no = world.ok("9001", {"signIn": {"opter_no": "001"}})["signinoutb"]["sign_no"]
    gateway.set_sign_no_policy(world.platform, H, "require")
    world.clock.advance(days=1)
    body = _envelope(world, "1101", {"data": {"psn_no": "P0001"}}, sign_no=sign_no)
    answer = _post(world, body, {"Authorization": f"Bearer {world.secrets[H]}"})[1]
    assert answer["err_code"] == "SS-1103" and "过期" in answer["err_msg"]


def test_regions_must_be_the_hospitals_and_the_persons(world: World) -> None:
    bearer = {"Authorization": f"Bearer {world.secrets[H]}"}
    wrong_area = _envelope(world, "2201", {"data": {"psn_no": "P0001", "insutype": "390"}}, mdtrtarea_admvs="440300")
    assert _post(world, wrong_area, bearer)[1]["err_code"] == "SS-1206"
    wrong_insured = _envelope(world, "2201", {"data": {"psn_no": "U0001", "insutype": "390"}}, insuplc_admdvs="370600")
    answer = _post(world, wrong_insured, bearer)[1]
    assert answer["err_code"] == "SS-1206" and "150900" in answer["err_msg"]
    # the city code covers its districts, and the province its cities
    for region in ("370600", "370000"):
        ok = _envelope(world, "2201", {"data": {"psn_no": "P0001", "insutype": "390"}}, insuplc_admdvs=region)
        assert _post(world, ok, bearer)[1]["infcode"] == 0


def test_amounts_as_json_numbers_and_blank_optional_strings(world: World) -> None:
    mdtrt_id = world.ok("2201", {"data": {"psn_no": "P0001", "insutype": 390, "med_type": "", "ipt_otp_no": ""}})[
        "data"
    ]["mdtrt_id"]
    result = world.ok("2204", {"feedetail": [
        {"feedetl_sn": "1", "mdtrt_id": mdtrt_id, "med_list_codg": "001101000010000", "cnt": 1, "pric": 30,
         "det_item_fee_sumamt": 30, "chrgitm_lv": "", "selfpay_prop": "", "pric_uplmt_amt": ""},
        {"feedetl_sn": "2", "mdtrt_id": mdtrt_id, "med_list_codg": "250101001", "cnt": 2.0, "pric": 12.5,
         "det_item_fee_sumamt": 25.00},
    ]})["result"]  # fmt: skip
    assert [r["det_item_fee_sumamt"] for r in result] == ["30.00", "25.00"]
    out = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "medfee_sumamt": 55, "acct_used_flag": ""}})
    assert out["setlinfo"]["medfee_sumamt"] == "55.00"


def test_refund_lines_net_the_line_they_name_and_never_below_zero(world: World) -> None:
    mdtrt_id = world.outpatient_visit("P0001", [line("1", "XJ01CR-0002", "3", "86.50", "259.50")])
    refund = {"feedetl_sn": "R1", "init_feedetl_sn": "1", "mdtrt_id": mdtrt_id, "med_list_codg": "XJ01CR-0002",
              "cnt": "-1", "pric": "86.50", "det_item_fee_sumamt": "-86.50"}  # fmt: skip
    result = world.ok("2204", {"feedetail": [refund]})["result"][0]
    assert result["det_item_fee_sumamt"] == "-86.50"
    too_much = dict(refund, feedetl_sn="R2", cnt="-3", det_item_fee_sumamt="-259.50")
    assert world.call("2204", {"feedetail": [too_much]})["err_msg"].startswith("[SS-1002]")
    no_origin = dict(refund, feedetl_sn="R3", init_feedetl_sn="")
    assert world.call("2204", {"feedetail": [no_origin]})["infcode"] == -1
    out = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "medfee_sumamt": "173.00"}})
    assert out["setlinfo"]["medfee_sumamt"] == "173.00"
    settled_refund = dict(refund, feedetl_sn="R4")
    answer = world.call("2204", {"feedetail": [settled_refund]})
    assert answer["err_code"] == "SS-1202" and "2208" in answer["err_msg"]


def test_a_rotated_or_revoked_credential_stops_working_at_once(world: World) -> None:
    from syncsettle.services import admin

    old = world.secrets[H]
    assert world.call("1101", {"data": {"psn_no": "P0001"}})["infcode"] == 0  # warms any cache there might be
    new = admin.rotate_hospital_secret(world.platform, H)
    assert world.call("1101", {"data": {"psn_no": "P0001"}}, secret=old)["err_code"] == "SS-1101"
    body = _envelope(world, "1101", {"data": {"psn_no": "P0001"}})
    assert _post(world, body, signed_headers(H, old, world.clock.now()))[1]["err_code"] == "SS-1101"
    assert _post(world, body, signed_headers(H, new, world.clock.now()))[1]["infcode"] == 0
    admin.revoke_hospital(world.platform, H)
    assert world.call("1101", {"data": {"psn_no": "P0001"}}, secret=new)["err_code"] == "SS-1101"
    body = _envelope(world, "1101", {"data": {"psn_no": "P0001"}})
    assert _post(world, body, signed_headers(H, new, world.clock.now()))[1]["err_code"] == "SS-1101"
