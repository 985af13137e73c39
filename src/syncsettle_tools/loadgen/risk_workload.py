"""What the 事中 risk check adds to a settlement, measured the way the goal means it: the same
outpatient settlements settled with the risk rules in force and without any, interleaved in one
process on one database (with stored history, so each check reads real visits), plus the risk
step timed alone on other visits of the same workload.

Two platforms share the engine and a ticking clock; they differ only in the rulebook (the one
without risk rule sets skips the check entirely). Each round registers three visits of random
persons, uploads their lines, settles the first two (in random order: one with, one without the
check) and runs the check alone on the third. Wall time (what a hospital waits) and the thread's
CPU time (what the check costs, whatever else runs on the machine) are both recorded.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from syncsettle.adapters.clock import FixedClock, business_date
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import visits as visit_repo
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.domain.settlement.model import PRIC_PLACES, FeeLine
from syncsettle.money import parse_scaled, parse_yuan
from syncsettle.services.computing.risk import visit_findings
from syncsettle.services.platform import Platform
from syncsettle.services.settlement import fees, settle, visits
from syncsettle_tools.loadgen.visits import LINES

HOSPITAL = "HG0000000000"  # a hospital of the generated history (loadgen.history)


@dataclass
class Timings:
    """Milliseconds per call: wall clock and the calling thread's CPU."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, work: Callable[..., Any], *args: Any) -> Any:
        wall, cpu = time.perf_counter(), time.thread_time()
        out = work(*args)
        self.cpu.append((time.thread_time() - cpu) * 1000)
        self.wall.append((time.perf_counter() - wall) * 1000)
        return out


@dataclass
class Result:
    with_risk: Timings = field(default_factory=Timings)
    without_risk: Timings = field(default_factory=Timings)
    risk_step: Timings = field(default_factory=Timings)
    findings: int = 0


def _open_visit(p: Platform, hospital: Hospital, psn_no: str, rng: random.Random) -> str:
    reg = visits.register(p, hospital, visits.Registration(psn_no, "390", inpatient=False))
    mdtrt_id: str = reg["mdtrt_id"]
    lines = [
        fees.Uploaded(mdtrt_id, "", FeeLine(str(sn), code, parse_scaled(cnt, fees.CNT_PLACES),
                                            parse_scaled(pric, PRIC_PLACES)),
                      int(cnt) * parse_yuan(pric), None, "", None)
        for sn, (code, cnt, pric) in enumerate(rng.sample(LINES, k=rng.randint(2, len(LINES))), 1)
    ]  # fmt: skip
    fees.upload(p, hospital, lines, inpatient=False)
    return mdtrt_id


def _settle(p: Platform, hospital: Hospital, mdtrt_id: str, psn_no: str) -> dict[str, Any]:
    payload = {"mdtrt_id": mdtrt_id, "psn_no": psn_no, "acct_used_flag": "0"}
    return settle.settle_visit(p, hospital, f"RB{uuid.uuid4().hex}", "2207", mdtrt_id, psn_no, False, None, payload)


def _check_alone(p: Platform, hospital: Hospital, mdtrt_id: str, timings: Timings) -> int:
    """The check as settlement runs it (visit, lines and person already loaded); only it is timed."""
    with p.uow(readonly=True) as uow:
        visit = visit_repo.visit(uow.conn, mdtrt_id)
        assert visit is not None
        lines = visit_repo.lines(uow.conn, mdtrt_id)
        person = people.person(uow.conn, visit["psn_no"])
        day = business_date(p.clock.now())
        found = timings.time(visit_findings, p, uow.conn, "during", visit, hospital, day, lines, person)
        return len(found)


def run(engine: Engine, persons: int, rounds: int, *, warmup: int = 20, seed: int = 5,
        progress: Callable[[float], None] = lambda _: None) -> Result:  # fmt: skip
    """``rounds`` timed rounds after ``warmup`` untimed ones, on a database holding the generated
    history of ``persons`` persons (``G000000000`` …) in 2025; the clock stands in December 2025."""
    clock = FixedClock(datetime(2025, 12, 20, 1, 0, tzinfo=UTC))
    checked = Platform(engine=engine, clock=clock)
    unchecked = Platform(engine=engine, clock=clock, rules=replace(checked.rules, risk={}))
    with checked.uow(readonly=True) as uow:
        found = people.hospital(uow.conn, HOSPITAL)
    assert found is not None, "generate the history first"
    hospital = found
    rng = random.Random(seed)
    result, scratch = Result(), Result()
    for i in range(warmup + rounds):
        out = result if i >= warmup else scratch
        chosen = [f"G{rng.randrange(persons):09d}" for _ in range(3)]
        opened = [_open_visit(checked, hospital, psn, rng) for psn in chosen]
        clock.advance(seconds=1)
        arms = [(checked, out.with_risk), (unchecked, out.without_risk)]
        rng.shuffle(arms)
        for k, (platform, timings) in enumerate(arms):
            timings.time(_settle, platform, hospital, opened[k], chosen[k])
        out.findings += _check_alone(checked, hospital, opened[2], out.risk_step)
        progress((i + 1) / (warmup + rounds))
    return result
