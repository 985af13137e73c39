"""``syncsettle bench engine``: bills per second through the pure settlement calculation.

Two fixed bills priced repeatedly on one core, after parsing (the figure is the calculation alone):
a 20-line ordinary-outpatient bill and a 300-line inpatient bill, each with the basic fund, critical
illness and two commercial products (one with drug lists).
"""

from __future__ import annotations

import json
import time
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from syncsettle.domain.settlement.model import Bill

DAY = date(2025, 6, 10)
_CODES = ["XB01AC-0001", "XJ01CR-0002", "XC10AA-0003", "ZA03-0005", "250101001", "C14-0006", "XL01FD-YHD01"]


def bench_bill(med_type: str, count: int) -> Bill:
    """A deterministic bill of ``count`` lines mixing 甲/乙/丙 classes, price caps and drug-list lines."""
    from syncsettle.domain.settlement.model import Bill, FeeLine

    lines = []
    for i in range(count):
        code = _CODES[i % len(_CODES)]
        lines.append(
            FeeLine(
                feedetl_sn=str(i + 1),
                med_list_codg=code,
                cnt=(1 + i % 3) * 10_000,
                pric=(1_000 + (i * 7919) % 250_000) * 10_000,
                chrgitm_lv=None if i % 2 else ("01", "02", "03")[i % 3],
                selfpay_prop=Fraction(1, 10) if (i % 2 == 0 and i % 3 == 1) else None,
                pric_uplmt=None if i % 5 else 150_000,
            )
        )
    return Bill(med_type=med_type, hospital_level="3", treatment_region="370600", lines=tuple(lines))


def _inputs(med_type: str, count: int) -> dict[str, Any]:
    from syncsettle.adapters.rulebook import shipped_rulebook
    from syncsettle.domain.settlement.model import BasicAccumulators, Coverage, Person

    book = shipped_rulebook()
    policy = book.policies["yantai-resident-2025"].version_on(DAY)
    person = Person(psn_no="B1", insutype="390", psn_type="1501", insured_region="370600")
    coverages = [
        (book.products[pid], Coverage(product_id=pid))
        for pid in ("yantai-shiminjiankangbao-2025", "acme-supplementary-2025")
    ]
    return {
        "day": DAY,
        "person": person,
        "bill": bench_bill(med_type, count),
        "coverages": coverages,
        "basic_accumulators": BasicAccumulators(),
        "catalogue": book.catalogue_for("370600"),
        "policy": policy,
    }


def measure(med_type: str, count: int, seconds: float) -> tuple[float, float]:
    """Bills per second for ``seconds`` of repeated settlement of one bill: per second of wall time,
    and per second of this process's CPU time (steadier when other processes share the cores)."""
    from syncsettle.domain.settlement.waterfall import settle

    kwargs = _inputs(med_type, count)
    settle(**kwargs)  # warm up
    done, start, cpu_start = 0, time.perf_counter(), time.process_time()
    deadline = start + seconds
    while True:
        for _ in range(20):
            settle(**kwargs)
        done += 20
        now = time.perf_counter()
        if now >= deadline:
            return done / (now - start), done / max(time.process_time() - cpu_start, 1e-9)


def engine(
    seconds: float = typer.Option(3.0, help="seconds per bill shape"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Bills/s for a 20-line outpatient bill and a 300-line inpatient bill (one core)."""
    outpatient, outpatient_cpu = measure("11", 20, seconds)
    inpatient, inpatient_cpu = measure("21", 300, seconds)
    result = {
        "outpatient_bills_per_s": round(outpatient),
        "inpatient_bills_per_s": round(inpatient),
        "outpatient_bills_per_cpu_s": round(outpatient_cpu),
        "inpatient_bills_per_cpu_s": round(inpatient_cpu),
        "outpatient_lines": 20,
        "inpatient_lines": 300,
        "seconds_per_shape": seconds,
        "payers": "basic fund + critical illness + yantai-shiminjiankangbao-2025 + acme-supplementary-2025",
    }
    if as_json:
        typer.echo(json.dumps(result))
    else:
        for name, lines, wall, cpu in (
            ("outpatient", 20, outpatient, outpatient_cpu),
            ("inpatient", 300, inpatient, inpatient_cpu),
        ):
            typer.echo(
                f"{name:<10} {lines:>3} lines: {wall:10,.0f} bills/s  ({1e6 / wall:7.1f} µs/bill)"
                f"  {cpu:10,.0f} bills per CPU-second"
            )


def register(app: typer.Typer, bench: typer.Typer) -> None:
    bench.command("engine")(engine)
