"""Property: for any sequence of settlements, late (in-flight) settlements, reversals, waits, window
closes (each followed by clearing) and aborts, once the last window is closed and cleared

- every settlement and reversal belongs to exactly one live (not aborted) window, and
- the payment instructions of each window, and of all windows together, equal the payers' shares
  of the settlements and reversals in them, per payer and hospital (computed here independently).
"""

from __future__ import annotations

import itertools
import tempfile
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from syncsettle.adapters.clock import FixedClock
from syncsettle.adapters.db.clearing.schema_clearing import clearing_items, clearing_windows, payment_instructions
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.migrate import upgrade
from syncsettle.services import admin
from syncsettle.services.clearing import clear, windows
from syncsettle.services.errors import ServiceError
from syncsettle.services.platform import Platform
from tests.clearing import synthetic

HOSPITALS = ("H37060000001", "H37060000002", "H37060000003")
_regions = itertools.count(1)


@cache
def _engine_url() -> str:
    folder = Path(tempfile.mkdtemp(prefix="syncsettle-prop-"))
    url = f"sqlite:///{folder / 'clearing.db'}"
    p = Platform(engine=make_engine(url))
    upgrade(p.engine)
    for code in HOSPITALS:
        admin.add_hospital(p, code, code, "3", "370600")
    p.engine.dispose()
    return url


@cache
def _engine() -> Any:
    return make_engine(_engine_url())


fen = st.integers(0, 5_000_000)
settle_op = st.tuples(st.just("settle"), st.integers(0, 2), fen, fen, fen, fen)
late_op = st.tuples(st.just("late"), st.integers(0, 2), fen, fen, st.integers(1, 7200))
ops = st.lists(
    st.one_of(
        settle_op, late_op,
        st.tuples(st.just("reverse"), st.integers(0, 10_000)),
        st.tuples(st.just("wait"), st.integers(1, 40)),
        st.tuples(st.just("close")),
        st.tuples(st.just("abort")),
    ),
    max_size=30,
)  # fmt: skip


def clearing_payer(region: str, payer: str, kind: str) -> str:
    if kind == "fund":
        return f"fund:{region}:{payer}"
    if kind == "personal_account":
        return f"fund:{region}:310200"
    return "insurer:yantai-hmb"


def _close_and_clear(p: Platform, region: str) -> str | None:
    try:
        closed = windows.close(p, region)
    except ServiceError:
        return None  # not due yet
    if closed["status"] == "ABORTED":
        return None  # this period's window was aborted: its items wait for the next window
    clear.run(p, closed["window_id"])
    return str(closed["window_id"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ops)
def test_instructions_equal_the_shares_of_their_windows(sequence: list[tuple[Any, ...]]) -> None:
    region = f"6{next(_regions):05d}"
    clock = FixedClock(datetime(2025, 6, 10, 2, 0, tzinfo=UTC))
    p = Platform(engine=_engine(), clock=clock)
    psn = f"PP{region}"
    recorded: dict[str, tuple[str, dict[str, tuple[str, int]]]] = {}  # setl_id → (hospital, shares)
    reversible: list[str] = []
    cleared: list[str] = []
    serial = itertools.count()
    with p.uow() as uow:
        synthetic.add_person(uow.conn, psn, region)
        uow.commit()

    def write(hospital: str, shares: dict[str, tuple[str, int]], when: datetime) -> None:
        setl_id = f"S{region}{next(serial):05d}"
        with p.uow() as uow:
            synthetic.settle(uow.conn, setl_id, psn, region, hospital, when, shares)
            uow.commit()
        recorded[setl_id] = (hospital, shares)
        reversible.append(setl_id)

    for op in sequence:
        if op[0] == "settle":
            _, h, fund, acct, product, cash = op
            raw = {"390100": ("fund", fund), "acct": ("personal_account", acct), synthetic.HMB: ("product", product),
                   "cash": ("cash", cash)}  # fmt: skip
            write(HOSPITALS[h], {k: v for k, v in raw.items() if v[1]}, clock.now())
        elif op[0] == "late":  # in flight across a cut-off: timed earlier than it commits
            _, h, fund, product, seconds = op
            raw = {"390100": ("fund", fund), synthetic.HMB: ("product", product)}
            write(HOSPITALS[h], {k: v for k, v in raw.items() if v[1]}, clock.now() - timedelta(seconds=seconds))
        elif op[0] == "reverse" and reversible:
            original = reversible.pop(op[1] % len(reversible))
            rev_id = f"R{original}"
            with p.uow() as uow:
                synthetic.reverse(uow.conn, rev_id, original, clock.now())
                uow.commit()
            hospital, shares = recorded[original]
            recorded[rev_id] = (hospital, {k: (kind, -a) for k, (kind, a) in shares.items()})
        elif op[0] == "wait":
            clock.advance(hours=op[1])
        elif op[0] == "close":
            done = _close_and_clear(p, region)
            if done and done not in cleared:
                cleared.append(done)
        elif op[0] == "abort" and cleared:
            windows.abort(p, cleared.pop(), "property", "aborted by the property test")

    clock.advance(days=3)
    assert _close_and_clear(p, region) is not None

    with p.uow(readonly=True) as uow:
        conn = uow.conn
        live = {
            r[0]: r[1]
            for r in conn.execute(select(clearing_windows.c.window_id, clearing_windows.c.status).where(
                clearing_windows.c.region == region))
        }  # fmt: skip
        membership = conn.execute(
            select(clearing_items.c.setl_id, clearing_items.c.window_id).where(
                clearing_items.c.window_id.in_(list(live)))
        ).all()  # fmt: skip
        instructed = conn.execute(
            select(payment_instructions.c.window_id, payment_instructions.c.payer, payment_instructions.c.hospital,
                   payment_instructions.c.amount)
            .where(payment_instructions.c.window_id.in_(list(live)), payment_instructions.c.status != "void")
        ).all()  # fmt: skip

    in_windows = Counter(setl_id for setl_id, _ in membership)
    assert set(in_windows) == set(recorded), "every settlement and reversal is in a window"
    assert set(in_windows.values()) <= {1}
    assert all(live[w] != "ABORTED" for _, w in membership)

    expected: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for setl_id, window_id in membership:
        hospital, shares = recorded[setl_id]
        for payer, (kind, amount) in shares.items():
            if kind != "cash":
                expected[window_id][(clearing_payer(region, payer, kind), hospital)] += amount
    got: dict[str, dict[tuple[str, str], int]] = defaultdict(lambda: defaultdict(int))
    for window_id, payer, hospital, amount in instructed:
        got[window_id][(payer, hospital)] += int(amount)
    for window_id in live:
        assert dict(got[window_id]) == {k: v for k, v in expected[window_id].items() if v}, window_id

    overall: dict[tuple[str, str], int] = defaultdict(int)
    for hospital, shares in recorded.values():
        for payer, (kind, amount) in shares.items():
            if kind != "cash":
                overall[(clearing_payer(region, payer, kind), hospital)] += amount
    summed: dict[tuple[str, str], int] = defaultdict(int)
    for _, payer, hospital, amount in instructed:
        summed[(payer, hospital)] += int(amount)
    assert {k: v for k, v in summed.items() if v} == {k: v for k, v in overall.items() if v}
