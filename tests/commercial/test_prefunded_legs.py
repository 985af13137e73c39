"""Insurer prefunding on the bedside commercial leg (SQLite and PostgreSQL): when the reserve and the
net-debit cap are used up mid-day the next legs wait as ``prefund_exhausted`` claims — consuming
nothing, the patient paying now — the operator and the insurer are alerted once, a top-up makes the
claims due and the retry settles each exactly once (paid out of the reserve); clearing then releases
the bedside reservations and ``syncsettle check`` stays clean."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sqlalchemy import func, select

from syncsettle.adapters.db.core.schema import journals, outbox, product_accumulators
from syncsettle.domain.identity import Role
from syncsettle.money import parse_yuan
from syncsettle.services.clearing import clear, confirm, prefunding, windows
from syncsettle.services.commercial import prefund
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.management import identity
from syncsettle.services.settlement.check import check
from tests.clearing.conftest import HMB, inpatient
from tests.world import World, enroll_all, file_reference_products, grant_consent, line

INSURER = "yantai-hmb"
ACME = "acme-supplementary-2025"
LEG = 1405_60  # what 烟台市民健康保 pays on a 60,000.00 inpatient stay of a resident with nothing used yet


def _leg(answer: dict[str, Any], product: str = HMB) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in answer["commercial"] if e["product"] == product)
    return found


def _as(world: World, role: Role, tenant: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {identity.issue(world.platform, role, tenant, '')[1]}"}


def _count(world: World, table: Any, *where: Any) -> int:
    with world.platform.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_reserve_exhausted_mid_day_legs_wait_then_a_top_up_settles_them_once(world: World) -> None:
    p = world.platform
    prefunding.configure(p, INSURER, net_debit_cap=0)
    prefunding.top_up(p, INSURER, 2 * LEG + 500_00)  # two legs fit, the third does not
    answers = [inpatient(world, psn_no, "60000.00", product=HMB) for psn_no in ("Q0000", "Q0001", "Q0002", "Q0003")]
    legs = [_leg(a) for a in answers]
    assert [leg["status"] for leg in legs] == ["settled", "settled", "pending", "pending"]
    assert [leg["payable"] for leg in legs[:2]] == ["1405.60", "1405.60"]
    assert {leg["reason_code"] for leg in legs[2:]} == {"prefund_exhausted"}
    waiting = answers[2]["summary"]
    assert waiting["commercial"] == "0.00" and "commercial_pending" in waiting  # the patient pays it now
    assert parse_yuan(waiting["cash"]) == parse_yuan(waiting["total"]) - parse_yuan(waiting["public_funds"])
    assert prefunding.position(p, INSURER) | {"insurer": INSURER} == {
        "insurer": INSURER, "reserve": "3311.20", "exposure": "2811.20", "net_debit_cap": "0.00", "headroom": "500.00",
    }  # fmt: skip
    with p.uow(readonly=True) as uow:  # a waiting leg consumed no deductible or cap
        assert {r[0] for r in uow.conn.execute(select(product_accumulators.c.psn_no))} == {"Q0000", "Q0001"}

    # the operator and the insurer are alerted (once, however many legs wait); another insurer sees nothing
    [alert] = world.client.get("/api/operator/alerts", headers=_as(world, Role.OPERATOR, "*")).json()["alerts"]
    assert (alert["kind"], alert["insurer"], alert["open"], alert["legs"], alert["amount"]) == (
        "prefund_exhausted", INSURER, True, 2, "2811.20")  # fmt: skip
    mine = world.client.get("/api/insurer/alerts", headers=_as(world, Role.INSURER, INSURER)).json()["alerts"]
    assert [a["id"] for a in mine] == [alert["id"]]
    assert world.client.get("/api/insurer/alerts", headers=_as(world, Role.INSURER, "acme-group")).json() == {
        "alerts": []
    }
    assert _count(world, outbox, outbox.c.topic == prefund.ALERT_TOPIC) == 1
    assert prefund.reserve_levels(p)[(INSURER, "headroom")] == 500_00
    assert prefund.open_alerts(p) == {("prefund_exhausted",): 1}
    metrics = world.client.get("/metrics").text
    assert 'syncsettle_prefund_fen{figure="headroom",insurer="yantai-hmb"} 50000.0' in metrics

    # retried while still exhausted: nothing settles, nothing is booked
    assert retry_due(p, everything=True) | {"notices": 0} == {"attempted": 2, "settled": 0, "pending": 2,
                                                              "notices": 0}  # fmt: skip
    # a top-up resolves the alert and makes the waiting claims due; concurrent retries settle each once
    prefunding.top_up(p, INSURER, 3000_00)
    assert prefund.alerts_of(p, INSURER)[0]["open"] is False
    results: list[dict[str, Any]] = []
    start = threading.Barrier(3)

    def retry() -> None:
        start.wait()
        results.append(retry_due(p))

    threads = [threading.Thread(target=retry) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r["pending"] == 0 for r in results)  # each saw both settled (by itself or another)
    assert retry_due(p, everything=True)["attempted"] == 0
    claims = world.client.get("/api/insurer/claims", headers=_as(world, Role.INSURER, INSURER)).json()["claims"]
    assert [(c["status"], c["payable"]) for c in claims] == [("settled", "1405.60")] * 2
    assert _count(world, journals, journals.c.kind == "claim") == 2
    assert _count(world, journals, journals.c.kind == "claim_payment") == 2  # paid out of the reserve at once
    assert prefunding.position(p, INSURER)["reserve"] == "3500.00"  # 3311.20 + 3000.00 − 2 × 1405.60
    assert prefunding.position(p, INSURER)["exposure"] == "2811.20"  # the two bedside legs, until clearing pays
    assert check(p)["ok"], check(p)["problems"]

    # clearing pays the bedside legs out of the reserve and releases their reservations
    world.clock.advance(days=1)
    window = windows.close(p, "370600", date(2025, 6, 10))["window_id"]
    clear.run(p, window)
    confirm.confirm(p, window, "出纳", "BK-1")
    assert prefunding.position(p, INSURER) | {"insurer": INSURER} == {
        "insurer": INSURER, "reserve": "688.80", "exposure": "0.00", "net_debit_cap": "0.00", "headroom": "688.80",
    }  # fmt: skip
    assert check(p)["ok"], check(p)["problems"]


def test_a_leg_that_does_not_fit_leaves_the_burden_to_the_next_product(world: World) -> None:
    """The products after a refused leg see what the patient owed as if it never ran."""
    p = world.platform
    prefunding.configure(p, INSURER, net_debit_cap=0)  # nothing in the reserve: every 烟台 leg waits
    bill = [line("1", "XL01FD-BLT01", "2", "12345.67", "24691.34"), line("2", "331001001", "1", "9000.00", "9000.00")]
    answers = {}
    file_reference_products(p)
    for psn_no, products in (("Q0010", (HMB, ACME)), ("Q0011", (ACME,))):
        for insurer in ("yantai-hmb", "acme-group"):
            grant_consent(p, psn_no, insurer)
        enroll_all(p, [psn_no], products)
    for psn_no in ("Q0010", "Q0011"):
        stay = world.inpatient_visit(psn_no, bill)
        answers[psn_no] = world.ok("2304", {"data": {"mdtrt_id": stay, "psn_no": psn_no}})
    assert _leg(answers["Q0010"])["reason_code"] == "prefund_exhausted"
    both, alone = _leg(answers["Q0010"], ACME), _leg(answers["Q0011"], ACME)
    assert both["status"] == alone["status"] == "settled"
    assert both["payable"] == alone["payable"] != "0.00"
    assert answers["Q0010"]["summary"] == answers["Q0011"]["summary"] | {
        "commercial_pending": answers["Q0010"]["summary"]["commercial_pending"]
    }
    assert check(p)["ok"], check(p)["problems"]
