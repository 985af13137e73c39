"""Gauges whose values other areas of the platform provide, read when ``/metrics`` is scraped.

An area registers a callback once (at import of its module, or when its router is built)::

    from syncsettle.adapters.observability import gauges

    gauges.register(
        "syncsettle_pending_legs",
        "Commercial legs waiting to be settled as quick claims",
        pending_legs_by_insurer,          # (platform) -> {("yantai-hmb",): 3, ...}
        labels=("insurer",),
    )

The callback receives the :class:`Platform` and returns a number (a gauge without labels) or a
mapping from a tuple of label values (in the order of ``labels``) to a number. It runs in the
worker that answers the scrape, so it must read the database (its own short read-only unit of
work), not process memory: with several workers, every one answers the same. A callback that
fails is left out of that scrape and logged; the others are still exposed. Registering a name again
replaces the callback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from threading import Lock
from typing import Any

from prometheus_client.metrics_core import GaugeMetricFamily
from prometheus_client.registry import Collector

Reading = float | int | Mapping[tuple[str, ...], float | int]
Callback = Callable[[Any], Reading]  # called with the Platform (typed Any: adapters do not import services)
log = logging.getLogger("syncsettle.observability")


@dataclass(frozen=True, slots=True)
class Gauge:
    name: str
    help: str
    callback: Callback
    labels: tuple[str, ...]


_GAUGES: dict[str, Gauge] = {}
_LOCK = Lock()


def register(name: str, help: str, callback: Callback, labels: Sequence[str] = ()) -> None:
    """Expose ``name`` on ``/metrics`` with the value ``callback(platform)`` at every scrape."""
    if not name.replace("_", "").isalnum() or not name[0].isalpha():
        raise ValueError(f"not a Prometheus metric name: {name!r}")
    with _LOCK:
        _GAUGES[name] = Gauge(name, help, callback, tuple(labels))


def unregister(name: str) -> None:
    with _LOCK:
        _GAUGES.pop(name, None)


def registered() -> list[Gauge]:
    with _LOCK:
        return sorted(_GAUGES.values(), key=lambda g: g.name)


class GaugeCollector(Collector):
    """A Prometheus collector reading every registered gauge for one platform."""

    def __init__(self, platform: Any) -> None:
        self.platform = platform

    def collect(self) -> Iterator[GaugeMetricFamily]:
        for gauge in registered():
            try:
                reading = gauge.callback(self.platform)
                family = _family(gauge, reading)
            except Exception:  # one broken gauge must not hide the others
                log.exception("gauge %s failed", gauge.name)
                continue
            yield family


def _family(gauge: Gauge, reading: Reading) -> GaugeMetricFamily:
    if isinstance(reading, Mapping):
        family = GaugeMetricFamily(gauge.name, gauge.help, labels=list(gauge.labels))
        for values, value in sorted(reading.items()):
            if len(values) != len(gauge.labels):
                raise ValueError(f"{gauge.name}: {values} does not match labels {gauge.labels}")
            family.add_metric(list(values), float(value))
        return family
    if gauge.labels:
        raise ValueError(f"{gauge.name}: a labelled gauge must return a mapping")
    return GaugeMetricFamily(gauge.name, gauge.help, value=float(reading))
