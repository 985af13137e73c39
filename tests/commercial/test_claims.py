"""When the commercial leg cannot settle at the bedside the medical-insurance leg still does, the leg
waits as a quick claim (快赔) that consumes nothing, and settles later — exactly once, by the same
engine, from that visit year's accumulators — paid to the person in the commercial ledger."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select

from syncsettle.adapters.channel.transport import ChannelDown, InProcessTransport
from syncsettle.adapters.db.commercial.claims import due
from syncsettle.adapters.db.core.schema import journals, postings, product_accumulators
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.commercial.lifecycle import FilingAction
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.commercial.projections import NESTED
from syncsettle.domain.identity import Role
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.commercial import filings
from syncsettle.services.commercial.insurer_side import CommercialSide
from syncsettle.services.commercial.retry import retry_due
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.management import identity
from syncsettle.services.settlement.check import check
from tests.commercial.actors import YANTAI as REGULATOR
from tests.commercial.test_routes import BIG_BILL, SMALL_BILL
from tests.ops.test_metrics_and_probes import sample
from tests.world import World, enroll_all, file_reference_products, grant_consent

ACME, YANTAI = "acme-supplementary-2025", "yantai-shiminjiankangbao-2025"


class Down:
    def exchange(self, path: str, body: bytes, timeout: float) -> bytes:
        raise ChannelDown("connection refused")


@dataclass
class Slow:
    side: CommercialSide

    def handle(self, path: str, raw: bytes) -> bytes:
        time.sleep(0.3)
        return self.side.handle(path, raw)


class Inflating(CommercialSide):
    """A commercial side that answers more than the patient owes (a bug, or a forger holding its key)."""

    def _answer(self, kind: str, message: Reader) -> dict[str, Any]:
        reply = super()._answer(kind, message)
        if kind == "adjudicate":
            first = reply["responsibilities"][0]
            first["payable"] = format_yuan(parse_yuan(first["payable"]) + 1_000_000)
            reply["payable"] = format_yuan(parse_yuan(reply["payable"]) + 1_000_000)
        return reply


def _world(world: World, route: str = "dual_platform", products: tuple[str, ...] = (ACME,)) -> dict[str, int]:
    filed = file_reference_products(world.platform, dict.fromkeys(products, route))
    for insurer in ("acme-group", "yantai-hmb"):
        grant_consent(world.platform, "P0002", insurer)
    enroll_all(world.platform, ["P0002"], products)
    return filed


def _outpatient(world: World, bill: list[dict[str, Any]] = SMALL_BILL) -> dict[str, Any]:
    mdtrt_id = world.outpatient_visit("P0002", bill, insutype="310")
    return world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})


def _entry(answer: dict[str, Any], product: str = ACME) -> dict[str, Any]:
    found: dict[str, Any] = next(e for e in answer["commercial"] if e["product"] == product)
    return found


def _claims(world: World) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = world.client.get("/api/insured/claims", headers=_insured(world)).json()["claims"]
    return out


def _insured(world: World, psn_no: str = "P0002") -> dict[str, str]:
    _, token = identity.issue(world.platform, Role.INSURED, psn_no, "")
    return {"Authorization": f"Bearer {token}"}


def _insurer_claims(world: World, insurer: str = "acme-group") -> list[dict[str, Any]]:
    _, token = identity.issue(world.platform, Role.INSURER, insurer, "")
    shown = world.client.get("/api/insurer/claims", headers={"Authorization": f"Bearer {token}"})
    out: list[dict[str, Any]] = shown.json()["claims"]
    return out


def _accumulators(world: World) -> dict[tuple[str, int, str], tuple[int, int]]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(select(product_accumulators)).mappings().all()
    return {(r["product_id"], r["year"], r["resp_id"]): (r["deductible_used"], r["paid"]) for r in rows}


def _payouts(world: World) -> dict[str, int]:
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(journals.c.id, func.sum(postings.c.amount))
            .join(postings, postings.c.journal_id == journals.c.id)
            .where((journals.c.kind == "claim") & postings.c.account.like("com:patient:%"))
            .group_by(journals.c.id)
        ).all()
    return {journal_id.removesuffix(":com"): int(amount) for journal_id, amount in rows}


def test_commercial_side_down_the_leg_waits_then_settles_once(world: World) -> None:
    _world(world)
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    pending = _outpatient(world)
    entry = _entry(pending)
    assert entry["status"] == "pending" and entry["reason_code"] == "channel_down"
    assert pending["summary"]["commercial"] == "0.00" and pending["setlinfo"]["setl_id"]
    assert _accumulators(world) == {}  # a pending leg consumes nothing
    assert retry_due(world.platform)["pending"] == 1  # still down: it waits (and backs off)
    assert retry_due(world.platform)["attempted"] == 0  # not due again yet
    channel.transport = working
    assert retry_due(world.platform, everything=True) == {"attempted": 1, "settled": 1, "pending": 0, "notices": 0}
    [claim] = _claims(world)
    # the outpatient deductible (200) is not met, the funds paid nothing: (185.70 + 乙类先行自付 17.30) × 80%
    assert claim["status"] == "settled" and claim["payable"] == "162.40"
    assert _payouts(world) == {claim["claim_id"]: int(claim["payable"].replace(".", ""))}
    assert retry_due(world.platform, everything=True)["attempted"] == 0  # settled once, never again
    assert check(world.platform)["ok"], check(world.platform)["problems"]


def test_metrics_show_the_pending_legs_by_insurer_and_reason(world: World) -> None:
    _world(world)
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    answers = [_outpatient(world) for _ in range(2)]
    owed = sum(parse_yuan(a["setlinfo"]["psn_cash_pay"]) + parse_yuan(a["setlinfo"]["acct_pay"]) for a in answers)
    assert owed > 0  # what the patients paid at the window, waiting to be covered
    metrics = world.client.get("/metrics").text
    assert sample(metrics, "syncsettle_commercial_pending_legs", insurer="acme-group", reason="channel_down") == 2
    assert sample(metrics, "syncsettle_commercial_pending_fen", insurer="acme-group", reason="channel_down") == owed
    channel.transport = working
    assert retry_due(world.platform, everything=True)["settled"] == 2
    after = world.client.get("/metrics").text
    assert "syncsettle_commercial_pending_legs{" not in after and "syncsettle_commercial_pending_fen{" not in after


def test_commercial_side_slow_past_the_budget(world: World) -> None:
    _world(world)
    world.platform.commercial = replace(world.platform.commercial, budget_s=0.1)
    channel = channel_of(world.platform)
    side = CommercialSide(world.platform)
    channel.transport = InProcessTransport(Slow(side))
    started = time.monotonic()
    answer = _outpatient(world)
    assert time.monotonic() - started < 2.0
    assert _entry(answer)["reason_code"] == "channel_timeout"
    channel.transport = InProcessTransport(side)
    assert retry_due(world.platform, everything=True)["settled"] == 1
    assert check(world.platform)["ok"]


def test_an_adjudication_that_does_not_fit_what_the_patient_owes_is_refused(world: World) -> None:
    _world(world)
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, InProcessTransport(Inflating(world.platform))
    answer = _outpatient(world)
    assert _entry(answer)["status"] == "pending" and _entry(answer)["reason_code"] == "channel_refused"
    assert answer["summary"]["commercial"] == "0.00" and _accumulators(world) == {} and _payouts(world) == {}
    [mine] = _claims(world)
    [theirs] = _insurer_claims(world)
    assert mine["reason"].startswith(PendingReason.CHANNEL_REFUSED.text) and "reply." in mine["reason"]
    assert theirs["reason"] == PendingReason.CHANNEL_REFUSED.text  # the insurer is not shown the detail
    channel.transport = working
    assert retry_due(world.platform, everything=True)["settled"] == 1
    assert [c["payable"] for c in _claims(world)] == ["162.40"]  # the honest adjudication, once
    assert check(world.platform)["ok"]


def test_the_insurer_sees_of_a_claims_adjudication_only_what_the_result_granularity_carries(world: World) -> None:
    _world(world, "detail", (ACME,))
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    _outpatient(world)
    channel.transport = working
    retry_due(world.platform, everything=True)
    [mine] = _claims(world)
    [theirs] = _insurer_claims(world)
    assert {"deductible_applied", "name", "reason"} <= set(mine["result"]["responsibilities"][0])  # the person's own
    assert set(theirs) == set(mine) and set(theirs["result"]) == {"payable", "responsibilities"}
    for item in theirs["result"]["responsibilities"]:
        assert set(item) == NESTED["responsibilities"]
    assert theirs["result"]["payable"] == mine["result"]["payable"] == mine["payable"] == "162.40"


def test_suspended_product_waits_until_active_again(world: World) -> None:
    filed = _world(world, "embedded")
    filings.take_step(world.platform, REGULATOR, filed[ACME], FilingAction.SUSPEND, "核查理赔数据")
    answer = _outpatient(world)
    assert _entry(answer)["reason_code"] == "product_suspended"
    assert retry_due(world.platform, everything=True)["pending"] == 1
    assert _claims(world)[0]["reason_code"] == "product_suspended"
    filings.take_step(world.platform, REGULATOR, filed[ACME], FilingAction.RESUME)
    assert retry_due(world.platform, everything=True)["settled"] == 1
    assert _claims(world)[0]["status"] == "settled"
    assert retry_due(world.platform)["notices"] == 0  # the claim's result notice went with the retry
    assert check(world.platform)["ok"]


def test_a_visits_pending_legs_are_retried_in_filing_priority_order(world: World) -> None:
    filed = _world(world, "embedded", (ACME, YANTAI))
    for filing_id in filed.values():
        filings.take_step(world.platform, REGULATOR, filing_id, FilingAction.SUSPEND, "核查理赔数据")
    answer = _outpatient(world)
    setl = answer["setlinfo"]["setl_id"].removeprefix("ST")
    ids = {e["product"]: e["claim_id"] for e in answer["commercial"]}
    assert ids == {YANTAI: f"CL{setl}01", ACME: f"CL{setl}02"}  # the city product (priority 10) first
    with world.platform.uow(readonly=True) as uow:
        assert due(uow.conn, world.clock.now(), 10) == [ids[YANTAI], ids[ACME]]


def test_a_pending_leg_leaves_the_deductible_to_later_visits_and_uses_its_own_year(world: World) -> None:
    _world(world, "detail", (YANTAI,))
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    first = world.inpatient_visit("P0002", BIG_BILL, insutype="310")
    pending = world.ok("2304", {"data": {"mdtrt_id": first, "psn_no": "P0002"}})
    assert _entry(pending, YANTAI)["status"] == "pending"
    channel.transport = working
    # the next day: the same bill again the same day is a duplicate charge (DUP-001), held for risk review
    world.clock.at = datetime(2025, 6, 11, 2, 0, tzinfo=UTC)
    second = world.inpatient_visit("P0002", BIG_BILL, insutype="310")
    bedside = _entry(world.ok("2304", {"data": {"mdtrt_id": second, "psn_no": "P0002"}}), YANTAI)
    r3 = next(r for r in bedside["responsibilities"] if r["id"] == "R3")
    assert r3["deductible_applied"] == "16000.00"  # the later visit met the deductible: the pending one had not
    before = _accumulators(world)
    world.clock.at = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)  # claimed next year: still the 2025 accumulators
    assert retry_due(world.platform, everything=True)["settled"] == 1
    claim = _claims(world)[0]
    claimed_r3 = next(r for r in claim["result"]["responsibilities"] if r["id"] == "R3")
    assert claimed_r3["deductible_applied"] == "0.00" and claimed_r3["payable"] == "17283.94"  # 24691.34 × 70%
    after = _accumulators(world)
    assert {k for k in after if k[1] == 2026} == set()
    assert after[(YANTAI, 2025, "R3")][1] == before[(YANTAI, 2025, "R3")][1] + 1728394
    assert check(world.platform)["ok"], check(world.platform)["problems"]


def test_concurrent_retries_settle_each_claim_exactly_once(world: World) -> None:
    _world(world)
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    for _ in range(6):
        _outpatient(world)
    channel.transport = working
    results: list[dict[str, Any]] = []
    start = threading.Barrier(6)

    def worker() -> None:
        start.wait()
        results.append(retry_due(world.platform, everything=True))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claims = _claims(world)
    assert [c["status"] for c in claims] == ["settled"] * 6
    assert sum(r["settled"] for r in results) >= 6  # a worker that found it settled reports it settled too
    assert sorted(_payouts(world)) == sorted(c["claim_id"] for c in claims)
    report = check(world.platform)
    assert report["ok"], report["problems"]


def test_reversal_cancels_a_pending_claim_and_is_refused_after_a_payout(world: World) -> None:
    _world(world)
    channel = channel_of(world.platform)
    working, channel.transport = channel.transport, Down()
    mdtrt_id = world.outpatient_visit("P0002", SMALL_BILL, insutype="310")
    setl_id = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})["setlinfo"]["setl_id"]
    world.ok("2208", {"data": {"setl_id": setl_id, "mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert _claims(world)[0]["status"] == "cancelled"
    again = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})["setlinfo"]["setl_id"]
    channel.transport = working
    retry_due(world.platform, everything=True)
    refused = world.call("2208", {"data": {"setl_id": again, "mdtrt_id": mdtrt_id, "psn_no": "P0002"}})
    assert refused["infcode"] == -1 and "已赔付" in refused["err_msg"]
    assert check(world.platform)["ok"]


def test_the_insured_sees_and_claims_their_own(world: World) -> None:
    file_reference_products(world.platform, {ACME: "dual_platform"})
    enroll_all(world.platform, ["P0002"], [ACME])
    answer = _outpatient(world)  # no consent yet: pending
    claim_id = _entry(answer)["claim_id"]
    [listed] = _claims(world)
    assert (listed["claim_id"], listed["status"], listed["reason_code"]) == (claim_id, "pending", "consent_missing")
    other = world.client.post(f"/api/insured/claims/{claim_id}", headers=_insured(world, "P0001"))
    assert other.status_code == 403
    grant_consent(world.platform, "P0002", "acme-group", granularity="result", purpose="quick_claim")
    claimed = world.client.post(f"/api/insured/claims/{claim_id}", headers=_insured(world)).json()["claim"]
    assert claimed["status"] == "settled" and claimed["payable"] != "0.00"
    _, token = identity.issue(world.platform, Role.INSURER, "acme-group", "")
    seen = world.client.get("/api/insurer/claims", headers={"Authorization": f"Bearer {token}"}).json()["claims"]
    assert [c["claim_id"] for c in seen] == [claim_id]
    assert world.client.get("/api/insured/claims", headers=_insured(world, "P0001")).json()["claims"] == []
    assert check(world.platform)["ok"]
