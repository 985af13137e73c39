"""A small world with real settlements for the console's tests: settled through the hospital
interface of ``tests/world.py`` (an inpatient stay with a commercial leg, outpatient visits, a visit
in another region, a reversal and a refused settlement), the latency histograms flushed, and one
credential per role."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from syncsettle.domain.identity import Role
from syncsettle.services import admin
from syncsettle.services.management import identity
from tests.world import World, file_reference_products, grant_consent, line

PRODUCT = "yantai-shiminjiankangbao-2025"
HELD_BILL = [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "210300001", "1", "800.00", "800.00")]
"""An outpatient bill whose procedure the bedside findings hold for review (PRICE-001)."""


@dataclass
class Seeded:
    world: World
    tokens: dict[str, str]
    settled: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → the hospital's answer

    @property
    def inpatient_setl_id(self) -> str:
        return str(self.settled["inpatient"]["setlinfo"]["setl_id"])


def seed(world: World) -> Seeded:
    p = world.platform
    file_reference_products(p)
    grant_consent(p, "P0001", "yantai-hmb")
    admin.enroll(p, "P0001", PRODUCT, date(2025, 1, 1), date(2025, 12, 31))
    tokens = {
        "operator": identity.issue(p, Role.OPERATOR, "*", "清分结算中心值班")[1],
        "regulator": identity.issue(p, Role.REGULATOR, "370600", "烟台市医保局")[1],
        "insured": identity.issue(p, Role.INSURED, "P0001", "测试P0001")[1],
        "insurer": identity.issue(p, Role.INSURER, "yantai-hmb", "烟台惠民保")[1],
        "hospital": f"H37060000001.{world.secrets['H37060000001']}",
    }
    out = Seeded(world, tokens)
    stay = world.inpatient_visit("P0001", [line("1", "331001001", "1", "60000.00", "60000.00")])
    out.settled["inpatient"] = world.ok("2304", {"data": {"mdtrt_id": stay, "psn_no": "P0001"}})
    lines = [line("1", "001101000010000", "1", "30.00", "30.00"), line("2", "XJ01CR-0002", "2", "86.50", "173.00")]
    visit = world.outpatient_visit("P0002", lines, insutype="310")
    out.settled["account"] = world.ok("2207", {"data": {"mdtrt_id": visit, "psn_no": "P0002", "acct_used_flag": "1"}})
    again = world.outpatient_visit("P0001", [line("1", "001101000010000", "1", "30.00", "30.00")])
    out.settled["reversed"] = world.ok("2207", {"data": {"mdtrt_id": again, "psn_no": "P0001"}})
    world.ok("2208", {"data": {"setl_id": out.settled["reversed"]["setlinfo"]["setl_id"], "mdtrt_id": again,
                               "psn_no": "P0001"}})  # fmt: skip
    away = world.outpatient_visit("U0001", [line("1", "001101000010000", "1", "25.00", "25.00")],
                                  hospital="H15090000001")  # fmt: skip
    out.settled["ulanqab"] = world.ok("2207", {"data": {"mdtrt_id": away, "psn_no": "U0001"}}, hospital="H15090000001")
    refused = world.call("2207", {"data": {"mdtrt_id": "no-such-visit", "psn_no": "P0003"}})
    assert refused["infcode"] == -1
    world.app.state.latency.flush(p.engine)
    return out


def held_leg(seeded: Seeded) -> str:
    """Settle ``HELD_BILL`` for P0001: its commercial leg is held for risk review; the claim id."""
    world = seeded.world
    visit = world.outpatient_visit("P0001", HELD_BILL)
    answer = world.ok("2207", {"data": {"mdtrt_id": visit, "psn_no": "P0001"}})
    entry: dict[str, Any] = next(e for e in answer["commercial"] if e["product"] == PRODUCT)
    assert entry["status"] == "held", entry
    return str(entry["claim_id"])
