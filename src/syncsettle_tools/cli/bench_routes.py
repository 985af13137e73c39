"""``syncsettle bench routes``: what a commercial leg adds to the hospital's wait, per settlement.

On a fresh database (a temporary SQLite file, or a new database on the PostgreSQL server of
``--database-url``) the same outpatient visit is settled, in this process through the service (no
HTTP), for persons enrolled in: no product; the supplementary product filed ``embedded`` (its rules
run here, a result notice is queued); and filed ``dual_platform`` with the commercial side in this
process (projection → seal → verify/decrypt → given-basic engine → seal → verify/decrypt); and filed
``embedded`` for a prefunded insurer (each leg reserves against its reserve and net-debit cap). It
prints the median and p90 of the settle call and what each route adds to the median, plus the channel
round trip alone. Every settlement also runs the risk screen and the hold check before its legs.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from syncsettle.adapters.db.settlement.records import Hospital

if TYPE_CHECKING:
    from syncsettle.services.platform import Platform

err = Console(stderr=True)
BASE = "acme-supplementary-2025"
ROUTES = ("none", "embedded", "dual_platform", "embedded_prefunded")
PREFUNDED = "bench-prefunded"  # the insurer of the embedded_prefunded product


def _prepare(url: str, persons: int) -> Platform:
    """Persons, and the supplementary product filed once per route through the filing lifecycle; each
    person on a route consents (signed receipt) and is enrolled as the administration records it."""
    from syncsettle.adapters.clock import FixedClock
    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
    from syncsettle.domain.identity import Principal, Role
    from syncsettle.services import admin
    from syncsettle.services.clearing import prefunding
    from syncsettle.services.commercial import consents, wiring
    from syncsettle.services.commercial.reference_products import file_product, reference_content
    from syncsettle.services.platform import Platform
    from syncsettle_tools.loadgen.server import HOSPITAL, seed

    seed(url, persons * len(ROUTES))
    p = Platform(engine=make_engine(url), clock=FixedClock(datetime(2025, 6, 10, 2, 0, tzinfo=UTC)))
    base = reference_content(BASE)
    insurers = {route: PREFUNDED if route.endswith("_prefunded") else base["insurer"] for route in ROUTES[1:]}
    for route in ROUTES[1:]:
        plain = route.removesuffix("_prefunded")
        content = {**base, "id": f"bench-{route}", "route": plain, "insurer": insurers[route]}
        file_product(p, content, region=HOSPITAL[3], route=plain,
                     approved_from=date(2025, 1, 1), approved_to=date(2026, 12, 31))  # fmt: skip
    prefunding.configure(p, PREFUNDED, net_debit_cap=0)
    prefunding.top_up(p, PREFUNDED, 10**12)  # ample: every leg fits, and reserves
    for i in range(persons * len(ROUTES)):
        psn_no, route = f"B{i:06d}", ROUTES[i % len(ROUTES)]
        if route != "none":
            person = Principal(Role.INSURED, psn_no, psn_no, "system:bench")
            consents.grant(p, person, insurers[route], Purpose.SETTLEMENT, Granularity.DETAIL,
                           date(2025, 1, 1), date(2026, 12, 31))  # fmt: skip
            admin.enroll(p, psn_no, f"bench-{route}", date(2025, 1, 1), date(2026, 12, 31))
    wiring.warm(p)
    return p


def _crypto_round_trip(p: Platform, calls: int = 200) -> float:
    """ms for a request and its answer through the envelopes alone (no adjudication, no transport)."""
    from syncsettle.adapters.channel import COMMERCIAL_PLATFORM, PLATFORM, sealer_for
    from syncsettle.adapters.channel.envelope import ReplayGuard

    medical, commercial = sealer_for(p.settings.keys, PLATFORM), sealer_for(p.settings.keys, COMMERCIAL_PLATFORM)
    guard = ReplayGuard(window=timedelta(seconds=60), floor=p.clock.now() - timedelta(seconds=1))
    message = {"purpose": "settlement", "data": {"setl_id": "ST0", "inscp_selfpay_amt": "100.00"}}
    started = time.perf_counter()
    for _ in range(calls):
        raw, msg_id = medical.seal("adjudicate", message, p.clock.now())
        commercial.open(raw, p.clock.now(), guard=guard)
        answer, _ = commercial.seal("adjudicated", {"payable": "80.00"}, p.clock.now(), in_reply_to=msg_id)
        medical.open(answer, p.clock.now(), reply_to=msg_id)
    return (time.perf_counter() - started) * 1000 / calls


def _settle_one(p: Platform, hospital: Hospital, psn_no: str, serial: int) -> float:
    from syncsettle.entrypoints.national.fee_lines import read_lines
    from syncsettle.money import format_yuan, parse_yuan
    from syncsettle.services.settlement import fees, settle, visits
    from syncsettle_tools.loadgen.visits import LINES

    insutype = "310" if int(psn_no[1:]) % 3 == 0 else "390"
    mdtrt_id = visits.register(p, hospital, visits.Registration(psn_no, insutype, inpatient=False))["mdtrt_id"]
    lines = [{"feedetl_sn": str(n), "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_list_codg": code, "cnt": cnt,
              "pric": pric, "det_item_fee_sumamt": format_yuan(int(cnt) * parse_yuan(pric))}
             for n, (code, cnt, pric) in enumerate(LINES, 1)]  # fmt: skip
    fees.upload(p, hospital, read_lines(lines), inpatient=False)
    payload = {"mdtrt_id": mdtrt_id, "psn_no": psn_no}
    started = time.perf_counter()
    out = settle.settle_visit(p, hospital, f"BENCH{serial:012d}", "2207", mdtrt_id, psn_no, False, None, payload)
    elapsed = (time.perf_counter() - started) * 1000
    if any(e["status"] != "settled" for e in out["commercial"]):
        raise RuntimeError(f"a commercial leg did not settle: {out['commercial']}")
    return elapsed


def run(url: str, persons: int, rounds: int) -> dict[str, Any]:
    from rich.progress import Progress

    from syncsettle.adapters.db.settlement import people
    from syncsettle_tools.loadgen.server import HOSPITAL

    p = _prepare(url, persons)
    with p.uow(readonly=True) as uow:
        hospital = people.hospital(uow.conn, HOSPITAL[0])
    assert hospital is not None
    times: dict[str, list[float]] = {route: [] for route in ROUTES}
    serial = 0
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task("settling", total=persons * len(ROUTES) * rounds)
        for _ in range(rounds):
            for i in range(persons * len(ROUTES)):  # the routes interleaved: the same load on each
                serial += 1
                times[ROUTES[i % len(ROUTES)]].append(_settle_one(p, hospital, f"B{i:06d}", serial))
                bar.advance(task)
    crypto_ms = _crypto_round_trip(p)
    p.engine.dispose()
    median = {r: statistics.median(t) for r, t in times.items()}
    return {
        "settlements": {r: len(t) for r, t in times.items()},
        "settle_ms_median": {r: round(m, 2) for r, m in median.items()},
        "settle_ms_p90": {r: round(statistics.quantiles(t, n=10)[-1], 2) for r, t in times.items()},
        "added_ms_median": {r: round(median[r] - median["none"], 2) for r in ROUTES[1:]},
        "channel_crypto_ms": round(crypto_ms, 3),
    }


def bench_routes(
    persons: int = typer.Option(30, help="persons per route"),
    rounds: int = typer.Option(3, help="visits per person"),
    database: str | None = typer.Option(None, "--database-url", help="PostgreSQL server to use (default: temp SQLite)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Added latency per settlement of the embedded route, the in-process dual-platform channel and a
    prefunded insurer's embedded leg."""
    from syncsettle_tools.loadgen.server import fresh_postgres

    with ExitStack() as stack:
        if database and not database.startswith("sqlite"):
            url = stack.enter_context(fresh_postgres(database))
        else:
            url = f"sqlite:///{Path(stack.enter_context(tempfile.TemporaryDirectory())) / 'bench.db'}"
        report = run(url, persons, rounds)
    if as_json:
        typer.echo(json.dumps(report))
        return
    for route in ROUTES:
        added = f"  (+{report['added_ms_median'][route]:.2f} ms)" if route != "none" else ""
        typer.echo(f"{route:18s} settle median {report['settle_ms_median'][route]:7.2f} ms  "
                   f"p90 {report['settle_ms_p90'][route]:7.2f} ms{added}")  # fmt: skip
    typer.echo(f"channel crypto per round trip (2 × SM4-GCM + SM2 sign + SM2 verify): "
               f"{report['channel_crypto_ms']:.3f} ms")  # fmt: skip


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("routes")(bench_routes)
