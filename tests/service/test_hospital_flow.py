"""A hospital settles visits through the national messages; results equal the engine's quote."""

from __future__ import annotations

from syncsettle.services.settlement.check import check
from tests.world import World, line


def test_outpatient_visit_end_to_end(world: World) -> None:
    info = world.ok("1101", {"data": {"psn_no": "P0002"}})
    assert info["insuinfo"][0]["insutype"] == "310"
    assert info["insuinfo"][0]["balc"] == "500.00"
    mdtrt_id = world.outpatient_visit(
        "P0002",
        [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "XJ01CR-0002", "2", "86.50", "173.00"),
         line("3", "XC10AA-0003", "28", "4.20", "117.60")],
        insutype="310",
    )  # fmt: skip
    quote = world.ok("2206", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002", "acct_used_flag": "1"}})
    settled = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002", "acct_used_flag": "1",
                                         "medfee_sumamt": "320.60"}})  # fmt: skip
    assert settled["summary"] == quote["summary"]
    # deductible 200 (none used yet): (283.70 − 200) × 80% = 66.96; account pays the rest up to 500
    assert settled["setlinfo"]["hifp_pay"] == "66.96"
    assert settled["summary"] == {"total": "320.60", "public_funds": "66.96", "commercial": "0.00",
                                  "personal_account": "253.64", "cash": "0.00",
                                  "patient_pays_now": "253.64"}  # fmt: skip
    assert settled["setlinfo"]["balc"] == "246.36"
    assert world.ok("1101", {"data": {"psn_no": "P0002"}})["insuinfo"][0]["balc"] == "246.36"
    report = check(world.platform)
    assert report == {"ok": True, "settlements": 1, "problems": []}


def test_inpatient_settle_reverse_restores_everything(world: World) -> None:
    mdtrt_id = world.inpatient_visit("P0001", [line("1", "331001001", "1", "60000.00", "60000.00")])
    first = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    # resident, level 3: (60000 − 800) × 65% = 38480; CI: (21520 − 14000) × 60% = 4512
    assert first["setlinfo"]["hifp_pay"] == "38480.00"
    assert first["setlinfo"]["hifmi_pay"] == "4512.00"
    setl_id = first["setlinfo"]["setl_id"]
    world.ok("2402", {"dscginfo": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    world.ok("2305", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    again = world.call("2305", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    assert again["infcode"] == -1 and again["err_code"] == "SS-1202"
    # the same lines settle again exactly as the first time: the accumulators were restored
    second = world.ok("2304", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0001"}})
    assert second["summary"] == first["summary"]
    assert check(world.platform)["ok"]
