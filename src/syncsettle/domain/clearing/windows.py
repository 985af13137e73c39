"""Settlement windows (pure): which business dates a window covers, when it may close, and the
window state machine.

A window is (insured region, business-date range ``[begin, end)``). Its cut-off is ``end`` at 00:00
China time: closing assigns every not-yet-assigned settlement or reversal of the region whose
``setl_time`` is before the cut-off — including late arrivals of earlier periods, rolled-over items
of aborted windows and reversals of settlements cleared in earlier windows. A window may close
only ``close_delay`` after its cut-off, so settlements still in flight at midnight commit first;
one that commits later still is picked up by the next window, never lost.

Periods are aligned on :data:`EPOCH` (a Monday) so a 7-day schedule gives Monday-to-Sunday weeks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
EPOCH = date(2000, 1, 3)
DEFAULT_PERIOD_DAYS = 1
DEFAULT_CLOSE_DELAY_S = 300


class Status(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    PENDING_SETTLEMENT = "PENDING_SETTLEMENT"
    SETTLED = "SETTLED"
    ABORTED = "ABORTED"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.CLOSED}),
    Status.CLOSED: frozenset({Status.PENDING_SETTLEMENT, Status.ABORTED}),
    Status.PENDING_SETTLEMENT: frozenset({Status.SETTLED, Status.ABORTED}),
    Status.SETTLED: frozenset(),
    Status.ABORTED: frozenset(),
}


def may_move(current: Status, target: Status) -> bool:
    return target in TRANSITIONS[current]


@dataclass(frozen=True, slots=True)
class Schedule:
    """How a region's windows are cut: ``period_days`` business days each, closable ``close_delay_s``
    seconds after the cut-off."""

    period_days: int = DEFAULT_PERIOD_DAYS
    close_delay_s: int = DEFAULT_CLOSE_DELAY_S

    def __post_init__(self) -> None:
        if self.period_days < 1:
            raise ValueError("period_days must be at least 1")
        if self.close_delay_s < 0:
            raise ValueError("close_delay_s must not be negative")


@dataclass(frozen=True, slots=True)
class Period:
    region: str
    begin: date
    end: date  # exclusive

    @property
    def window_id(self) -> str:
        return f"W{self.region}-{self.begin:%Y%m%d}"

    @property
    def cutoff(self) -> datetime:
        """The first instant after the period: ``end`` at 00:00 China time."""
        return datetime.combine(self.end, time(0), tzinfo=CHINA)


def period_of(region: str, day: date, schedule: Schedule, previous_end: date | None = None) -> Period:
    """The period containing ``day``. A period never starts before the end of the region's latest
    earlier window (``previous_end``), so a schedule change cannot make two windows overlap."""
    n = schedule.period_days
    begin = EPOCH + timedelta(days=((day - EPOCH).days // n) * n)
    if previous_end is not None and previous_end > begin:
        begin = previous_end
    return Period(region, begin, begin + timedelta(days=n))


def closable_at(cutoff: datetime, close_delay_s: int) -> datetime:
    return cutoff + timedelta(seconds=close_delay_s)
