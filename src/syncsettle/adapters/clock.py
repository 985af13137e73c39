"""The injected clock: aware UTC instants, and the business date in China Standard Time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and simulations: starts at ``at`` and moves only when told to."""

    at: datetime = field(default_factory=lambda: datetime(2025, 6, 10, 2, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@dataclass(frozen=True)
class ShiftedClock:
    """The system clock moved by a fixed ``offset``: a server that carries on from a simulated time
    (the demo's console continues from the day after its simulated days) while time still passes."""

    offset: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def business_date(instant: datetime) -> date:
    """The settlement's business date: the calendar day in China Standard Time."""
    return instant.astimezone(CHINA).date()


def national_time(instant: datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in China Standard Time, as the national interface writes times."""
    return instant.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
