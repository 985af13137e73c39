"""Prometheus metrics of the hospital interface, and the ``/metrics`` exposition.

- ``syncsettle_settlements_total{route, result}`` and ``syncsettle_settlement_seconds{route, result}``
  (histogram): settlements (infno 2207/2304). ``route`` is ``basic`` for a settlement without a
  commercial leg, else the settlement routes of its commercial legs joined with ``+`` (``embedded``,
  ``dual_platform+embedded``, …), ``-`` when the call failed; ``result`` is ``ok`` or the stable
  error code (``SS-1002``).
- ``syncsettle_interface_requests_total{infno, result}``: every national-interface call.
- the gauges registered by other areas (:mod:`.gauges`), read at scrape time.

Several uvicorn workers: ``syncsettle serve --workers N`` (N > 1) sets ``PROMETHEUS_MULTIPROC_DIR``
to a fresh directory before the workers start, so every worker writes its counters there and any
worker answering a scrape exposes the sum of all (prometheus-client's multiprocess mode). With one
process the in-memory registry is used.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from syncsettle.adapters.observability.gauges import GaugeCollector
from syncsettle.adapters.observability.latency import BUCKETS_MS, LatencyRecorder

SETTLE_INFNOS = frozenset({"2207", "2304"})
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

SETTLEMENTS = Counter("syncsettle_settlements", "Settlements answered, by route and result", ["route", "result"])
SETTLEMENT_SECONDS = Histogram(
    "syncsettle_settlement_seconds",
    "Time to answer a settlement (2207/2304), seconds, by route and result",
    ["route", "result"],
    buckets=[ms / 1000 for ms in BUCKETS_MS],
)
INTERFACE_REQUESTS = Counter(
    "syncsettle_interface_requests", "National-interface calls, by infno and result", ["infno", "result"]
)


def route_of(output: Mapping[str, Any] | None) -> str:
    """The route label of a settlement's answer: ``basic`` or its commercial legs' routes."""
    legs = (output or {}).get("commercial") or []
    routes = sorted({str(leg.get("route", "")) for leg in legs if isinstance(leg, Mapping)})
    return "+".join(routes) if routes else "basic"


def observe_interface(
    recorder: LatencyRecorder | None, at: datetime, infno: str, result: str, output: Any, seconds: float
) -> None:
    """Count one national-interface call (and time it, for settlements and the console's histograms)."""
    INTERFACE_REQUESTS.labels(infno, result).inc()
    route = "-"
    if infno in SETTLE_INFNOS:
        route = route_of(output) if result == "ok" and isinstance(output, Mapping) else "-"
        SETTLEMENTS.labels(route, result).inc()
        SETTLEMENT_SECONDS.labels(route, result).observe(seconds)
    if recorder is not None:
        recorder.observe(at, infno, route, result, seconds)


def exposition(platform: Any) -> tuple[bytes, str]:
    """The text exposition: this process's (or all workers') metrics, then the registered gauges."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        registry = REGISTRY
    gauges = CollectorRegistry(auto_describe=False)
    gauges.register(GaugeCollector(platform))
    return generate_latest(registry) + generate_latest(gauges), CONTENT_TYPE_LATEST


def prepare_multiprocess_dir(path: str) -> None:
    """Empty (or create) the directory the workers will share; stale files would add old counts."""
    os.makedirs(path, exist_ok=True)
    for name in os.listdir(path):
        if name.endswith(".db"):
            os.remove(os.path.join(path, name))
