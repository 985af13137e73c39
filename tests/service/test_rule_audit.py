"""3101 (事前) and 3102 (事中) over HTTP in the national shape, and findings in the settlement answers."""

from __future__ import annotations

from typing import Any

from tests.world import World, line

NATIONAL_KEYS = {"jr_id", "rule_id", "rule_name", "vola_cont", "vola_amt", "sev_deg", "patn_id", "mdtrt_id",
                 "vola_amt_stas", "vola_evid", "vola_bhvr_type", "task_id", "judge_result_detail"}  # fmt: skip


def prospective(psn_no: str, orders: list[dict[str, Any]], **encounter: Any) -> dict[str, Any]:
    enc = {"mdtrt_id": "PRE-1", "medins_lv": "3", "adm_date": "2025-06-10 09:00:00", "med_type": "11",
           "fsi_diagnose_dtos": [{"dise_codg": "J06.9"}], "fsi_order_dtos": orders, **encounter}  # fmt: skip
    patient = {"patn_id": psn_no, "gend": "2", "brdy": "1985-03-01", "curr_mdtrt_id": "PRE-1",
               "fsi_encounter_dtos": [enc]}  # fmt: skip
    return {"data": {"trig_scen": "2", "task_id": "T1", "patient_dtos": [patient]}}


def order(rx_id: str, code: str, cnt: str, pric: str, sumamt: str) -> dict[str, Any]:
    return {"rx_id": rx_id, "hilist_code": code, "cnt": cnt, "pric": pric, "sumamt": sumamt}


def test_3101_checks_a_prospective_bill_in_the_national_shape(world: World) -> None:
    out = world.ok("3101", prospective("P0001", [order("1", "250310010", "1", "80.00", "80.00"),
                                                 order("2", "210300001", "2", "200.00", "400.00")]))  # fmt: skip
    by_rule = {r["rule_id"]: r for r in out["result"]}
    assert set(by_rule) == {"SEX-001", "PRICE-001"}
    sex = by_rule["SEX-001"]
    assert set(sex) >= NATIONAL_KEYS
    assert (sex["vola_amt"], sex["sev_deg"], sex["patn_id"], sex["mdtrt_id"], sex["task_id"]) == (
        "80.00", "1", "P0001", "PRE-1", "T1")  # fmt: skip
    assert sex["judge_result_detail"][0]["rx_id"] == "1"
    assert by_rule["PRICE-001"]["vola_amt"] == "40.00"  # (200.00 − 180.00) × 2
    clean = world.ok("3101", prospective("P0001", [order("1", "250101001", "1", "25.00", "25.00")]))
    assert clean["result"] == []


def test_3101_refuses_a_malformed_request_with_a_field(world: World) -> None:
    bad = prospective("P0001", [order("1", "250101001", "1", "25.00", "25.00")])
    bad["data"]["patient_dtos"][0]["curr_mdtrt_id"] = "NOPE"
    answer = world.call("3101", bad)
    assert answer["infcode"] == -1 and "curr_mdtrt_id" in answer["err_msg"]
    assert world.call("3101", {"data": {}})["err_code"] == "SS-1002"


def test_3102_checks_uploaded_lines_and_history(world: World) -> None:
    first = world.outpatient_visit("P0001", [line("1", "250101001", "1", "25.00", "25.00")])
    world.ok("2207", {"data": {"mdtrt_id": first, "psn_no": "P0001"}})
    world.clock.advance(minutes=30)
    second = world.outpatient_visit("P0001", [line("1", "250101001", "1", "25.00", "25.00")], hospital="H37060000002")
    out = world.ok("3102", {"data": {"mdtrt_id": second}}, hospital="H37060000002")
    rules = sorted(r["rule_id"] for r in out["result"])
    assert rules == ["DUP-001", "MULTI-001"]  # same test the same day, at two hospitals
    dup = next(r for r in out["result"] if r["rule_id"] == "DUP-001")
    assert dup["vola_amt"] == "25.00" and dup["feedetl_sn"] == "1" and dup["mdtrt_id"] == second
    other = world.call("3102", {"data": {"mdtrt_id": second}})  # another hospital's visit is refused
    assert other["infcode"] == -1 and other["err_code"] == "SS-1102"


def test_settlement_answers_carry_the_findings(world: World) -> None:
    mdtrt_id = world.outpatient_visit("P0001", [line("1", "210300001", "1", "200.00", "200.00")])
    quote = world.ok("2206", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    settled = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    assert [r["rule_id"] for r in quote["risk"]] == ["PRICE-001"]
    assert settled["risk"] == quote["risk"] and settled["risk"][0]["vola_amt"] == "20.00"
    assert settled["summary"] == quote["summary"]  # findings never change the money


def test_batch_scan_flags_settlements_once(world: World) -> None:
    from datetime import date

    from sqlalchemy import func, select

    from syncsettle.adapters.db.computing.schema_computing import risk_flags
    from syncsettle.services.computing.scan import scan

    for _ in range(2):
        mdtrt_id = world.outpatient_visit("P0001", [line("1", "250101001", "1", "25.00", "25.00")])
        world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
        world.clock.advance(minutes=30)
    clean = world.outpatient_visit("P0002", [line("1", "250101001", "1", "25.00", "25.00")], insutype="310")
    world.ok("2207", {"data": {"mdtrt_id": clean, "psn_no": "P0002"}})
    day = date(2025, 6, 10)
    first = scan(world.platform, day, day)
    assert first["settlements"] == 3 and first["by_rule"] == {"DUP-001": 1}
    again = scan(world.platform, day, day)
    with world.platform.uow(readonly=True) as uow:
        stored = uow.conn.execute(select(func.count()).select_from(risk_flags)).scalar_one()
        flag = uow.conn.execute(select(risk_flags)).mappings().one()
    assert again["flags"] == 1 and stored == 1  # re-scanning flags nothing new
    assert (flag["rule_id"], flag["vola_amt"], flag["status"], flag["psn_no"]) == ("DUP-001", 2500, "open", "P0001")
