"""``syncsettle bench audit``: how fast the audit log appends, seals, signs, proves and verifies.

Appends ``--entries`` entries (one transaction each, as use cases write them; then in batches of
500 to fill quickly), seals them, signs a checkpoint, builds inclusion proofs and verifies the
whole log, printing each figure (and JSON with ``--json``). It writes to ``--database-url``, by
default a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from syncsettle.domain.identity import Principal, Role

if TYPE_CHECKING:
    from syncsettle.services.management.audit import Use

WHO = Principal(Role.INSURER, "bench-insurer", "", "bench")


def _use(n: int) -> Use:
    from syncsettle.services.management.audit import Action, Use

    return Use(WHO, Action.RELEASE, "settlement", "bench-insurer", [f"ST{n}"], ["payable", "setl_id"],
               psn_no=f"B{n % 1000:06d}", granularity="result")  # fmt: skip


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 1) if seconds > 0 else 0.0


def bench_audit(
    entries: int = typer.Option(20_000, help="entries to append"),
    database: str | None = typer.Option(None, "--database-url", help="default: a temporary SQLite file"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.services.management.audit import record
    from syncsettle.services.management.audit_proofs import proof
    from syncsettle.services.management.audit_seal import checkpoint, seal
    from syncsettle.services.management.audit_verify import verify
    from syncsettle.services.platform import build_platform

    with tempfile.TemporaryDirectory() as tmp:
        p = build_platform(database or f"sqlite:///{Path(tmp) / 'bench.db'}", create=True)
        upgrade(p.engine)
        figures: dict[str, Any] = {"entries": entries, "database": p.dialect}
        single = min(entries, 1_000)
        start = time.perf_counter()
        for n in range(single):
            with p.uow() as uow:
                record(uow.conn, p.clock.now(), _use(n))
                uow.commit()
        figures["append_txn_per_s"] = _rate(single, time.perf_counter() - start)
        for first in range(single, entries, 500):
            with p.uow() as uow:
                for n in range(first, min(first + 500, entries)):
                    record(uow.conn, p.clock.now(), _use(n))
                uow.commit()
        start = time.perf_counter()
        seal(p)
        figures["seal_per_s"] = _rate(entries, time.perf_counter() - start)
        start = time.perf_counter()
        checkpoint(p)
        figures["checkpoint_ms"] = round((time.perf_counter() - start) * 1000, 1)
        start = time.perf_counter()
        for entry_id in (1, entries // 2, entries):
            proof(p, Principal(Role.OPERATOR, "*", "", "bench"), entry_id)
        figures["proof_ms"] = round((time.perf_counter() - start) * 1000 / 3, 1)
        start = time.perf_counter()
        report = verify(p)
        figures["verify_per_s"] = _rate(entries, time.perf_counter() - start)
        figures["valid"] = report["valid"]
        p.engine.dispose()
    if as_json:
        typer.echo(json.dumps(figures))
    else:
        for key, value in figures.items():
            typer.echo(f"{key}: {value}")


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("audit")(bench_audit)
