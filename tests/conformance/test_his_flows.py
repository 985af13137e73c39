"""The conformance suite: whole HIS flows, shaped as public HIS code builds them, over the gateway's
transport against a real server (uvicorn on a local port), on SQLite and PostgreSQL. Every step must
answer ``infcode`` 0 (or its expected refusal) and every answer's sums must add up."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from syncsettle.adapters.db.settlement import people
from syncsettle.services.settlement import queries
from tests.conformance.runner import flows, run_flow
from tests.live_server import serving
from tests.world import World, enroll_all, file_reference_products, grant_consent

COMMERCIAL = ("yantai-shiminjiankangbao-2025", "acme-supplementary-2025")


@pytest.mark.parametrize("path", flows(), ids=lambda p: p.stem)
def test_flow(world: World, path: Path) -> None:
    flow = json.loads(path.read_text(encoding="utf-8"))
    if flow["commercial"]:
        file_reference_products(world.platform, dict.fromkeys(COMMERCIAL, "detail"))
        for insurer in ("yantai-hmb", "acme-group"):
            grant_consent(world.platform, "P0002", insurer)
        enroll_all(world.platform, ["P0002"], COMMERCIAL)
    with serving(world.app, lifespan="off") as base:
        names = run_flow(base, flow, world.secrets[flow["hospital"]], world.clock)
    if flow["commercial"]:
        # the HIS collects psn_cash_pay: the cash after the commercial leg, not before it
        assert Decimal(names["comm"]) > 0
        with world.platform.uow(readonly=True) as uow:
            hospital = people.hospital(uow.conn, flow["hospital"])
        assert hospital is not None
        stored = queries.settlement_info(world.platform, hospital, names["setl_id"], None, None)["setlinfo"]
        assert stored["psn_cash_pay"] == names["cash"]
    if "stmt_rslt" in names:
        assert names["stmt_rslt"] == "0"  # the hospital's file matches the platform's books
