"""Actuarial aggregates and what-if replays over the insurer and regulator APIs (SQLite and
PostgreSQL): only the caller's own products, only aggregates at or above the platform's minimum cell,
noise only within the caller's privacy budget — and every release an audited ``export`` saying who, in
which role, why, which dataset, how many cells were released and suppressed, and the epsilon spent."""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import select

from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial.reference_products import reference_content
from syncsettle.services.computing import access, actuarial
from syncsettle.services.computing.release import set_budget
from syncsettle.services.management import identity
from tests.service.test_replay import CITY, YEAR, history
from tests.world import World

PERIOD = {"from": "2025-01-01", "to": "2025-12-31"}


def _as(world: World, role: Role, tenant: str, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, name)[1]}"}


def _exports(world: World) -> list[dict[str, Any]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(audit_entries).where(audit_entries.c.action == "export").order_by(audit_entries.c.id)
        )
        return [dict(r) for r in rows.mappings()]


def test_insurer_aggregates_are_its_own_suppressed_below_the_minimum_and_audited(world: World) -> None:
    history(world)
    insurer = _as(world, Role.INSURER, "yantai-hmb", "精算部 王")
    table = world.client.get("/api/insurer/actuarial/aggregates", headers=insurer,
                             params={"product": CITY, "by": "", **PERIOD}).json()  # fmt: skip
    [everyone] = table["cells"]
    assert not everyone["suppressed"] and everyone["metrics"]["enrollments"] == 12
    split = world.client.get("/api/insurer/actuarial/aggregates", headers=insurer,
                             params={"product": CITY, "by": "pre_existing", **PERIOD}).json()  # fmt: skip
    assert [c["suppressed"] for c in split["cells"]] == [True, True]  # 9 and 3 persons: below the platform's 10
    asked = {"product": CITY, "by": "pre_existing", "min_cell": 2, **PERIOD}
    lowered = world.client.get("/api/insurer/actuarial/aggregates", headers=insurer, params=asked).json()
    assert all(c["suppressed"] for c in lowered["cells"])  # a caller cannot lower the minimum

    first, second, third = _exports(world)
    assert (first["actor_role"], first["actor_tenant"], first["recipient"], first["purpose"]) == (
        "insurer", "yantai-hmb", "yantai-hmb", "analytics")  # fmt: skip
    assert first["record_ids"] == [f"product:{CITY}"] and first["granularity"] == "aggregate"
    assert first["reason"] == f"actuarial {CITY}: dataset=product:{CITY} cells_released=1 cells_suppressed=0 epsilon=0"
    assert set(first["fields"]) == {"claims", "enrollments", "paid"} and first["outcome"] == "released"
    assert second["outcome"] == "suppressed" and "cells_released=0 cells_suppressed=2" in second["reason"]
    assert third["outcome"] == "suppressed"

    other = _as(world, Role.INSURER, "acme-group", "")
    refused = world.client.get("/api/insurer/actuarial/aggregates", headers=other, params={"product": CITY, **PERIOD})
    assert refused.status_code == 403
    unknown = world.client.get("/api/insurer/actuarial/remainder", headers=insurer, params={"product": "x", **PERIOD})
    assert unknown.status_code == 404
    assert len(_exports(world)) == 3  # refusals release nothing


@pytest.mark.usefixtures("small_cells")
def test_noise_spends_the_callers_budget_and_the_regulator_asks_about_its_regions(world: World) -> None:
    history(world)
    insurer = _as(world, Role.INSURER, "yantai-hmb", "精算部 王")
    query = {"product": CITY, "epsilon": "1/2", **PERIOD}
    assert world.client.get("/api/insurer/actuarial/remainder", headers=insurer, params=query).status_code == 400
    with world.platform.uow() as uow:
        set_budget(uow.conn, "yantai-hmb", f"remainder:{CITY}", Fraction(1))
        uow.commit()
    for _ in range(2):
        assert world.client.get("/api/insurer/actuarial/remainder", headers=insurer, params=query).status_code == 200
    spent = world.client.get("/api/insurer/actuarial/remainder", headers=insurer, params=query)
    assert spent.status_code == 400 and spent.json()["error"]["code"] == "SS-1601"
    assert [e["reason"].split(" ")[-2:] for e in _exports(world)] == [
        ["epsilon=1/2", "remaining=0.5"],
        ["epsilon=1/2", "remaining=0"],
    ]  # every spend
    assert "剩余 ε=0，本次需要 ε=0.5" in spent.json()["error"]["message"]

    regulator = _as(world, Role.REGULATOR, "370600", "烟台市医保局")
    population = world.client.get("/api/regulator/actuarial/remainder", headers=regulator, params=PERIOD)
    assert population.status_code == 200 and len(population.json()["cells"]) == 9  # one per band, all below 10
    mine = _exports(world)[-1]
    assert (mine["actor_role"], mine["actor_tenant"], mine["recipient"]) == ("regulator", "370600", "regulator:370600")
    assert mine["record_ids"] == ["remainder:*:3706"] and "cells_suppressed=9" in mine["reason"]
    # the regulator's population is the persons insured in its regions (shown here with a minimum of one)
    who = access.requester(Principal(Role.REGULATOR, "150900", "", "t"), "population")
    for prefix, expected in (("3706", 28), ("1509", 0)):
        cells = actuarial.remainder_distribution(world.platform, who, None, *YEAR, min_cell=1, region_prefix=prefix)
        assert sum(c["metrics"]["settlements"] or 0 for c in cells["cells"]) == expected


def _finished(world: World, path: str, headers: dict[str, str]) -> dict[str, Any]:
    """Poll a replay job until it is done (60 s at most)."""
    deadline = time.monotonic() + 60
    while (polled := world.client.get(path, headers=headers).json())["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, polled
        time.sleep(0.1)
    assert polled["status"] == "done" and polled["progress"] == 1.0, polled
    result: dict[str, Any] = polled
    return result


def test_a_regulator_replays_the_population_insured_in_its_regions(world: World) -> None:
    history(world)  # persons insured in 370600
    candidate = {**reference_content(CITY), "id": "city-2026-candidate"}
    body = {"candidate": candidate, "premium": "129.00", **PERIOD}
    seen = {}
    for region in ("370600", "150900"):
        regulator = _as(world, Role.REGULATOR, region, "医保局精算")
        started = world.client.post("/api/regulator/replays", headers=regulator, json=body)
        assert started.status_code == 200, started.text
        job = _finished(world, f"/api/regulator/replays/{started.json()['job_id']}", regulator)
        seen[region] = job["result"]["settlements"]
    assert seen == {"370600": 28, "150900": 0}


def test_a_replay_job_is_submitted_polled_and_audited(world: World) -> None:
    history(world)
    insurer = _as(world, Role.INSURER, "yantai-hmb", "产品部 李")
    candidate = {**reference_content(CITY), "id": "city-2026-candidate"}
    body = {"candidate": candidate, "premium": "129.00", "replaces": CITY, **PERIOD}
    started = world.client.post("/api/insurer/replays", headers=insurer, json=body)
    assert started.status_code == 200, started.text
    job_id = started.json()["job_id"]
    polled = _finished(world, f"/api/insurer/replays/{job_id}", insurer)
    result = polled["result"]
    assert result["settlements"] == 28 and result["covered_persons"] == 12
    assert "Q0000" not in str(result)  # aggregates only
    [export] = _exports(world)
    assert (export["actor_role"], export["actor_tenant"], export["record_ids"]) == (
        "insurer", "yantai-hmb", ["replay:city-2026-candidate"])  # fmt: skip
    assert export["reason"].startswith(
        "what-if city-2026-candidate: dataset=replay:city-2026-candidate cells_released="
    )

    acme = _as(world, Role.INSURER, "acme-group", "")
    assert world.client.get(f"/api/insurer/replays/{job_id}", headers=acme).status_code == 403
    assert world.client.post("/api/insurer/replays", headers=acme, json=body).status_code == 403  # not its candidate
    regulator = _as(world, Role.REGULATOR, "370600", "")
    assert world.client.get(f"/api/regulator/replays/{job_id}", headers=regulator).status_code == 403
    bad = world.client.post("/api/insurer/replays", headers=insurer, json={**body, "candidate": {"kind": "product"}})
    assert bad.status_code == 422 and bad.json()["error"]["field"].startswith("content")
