"""The demo's calendar (China time) and its simulated clock.

The demo year is **2026**: every reference product is in force then (惠琼保 2026 A款 from
2026-01-01; the 2025 Yantai files and the 2022 Anyang file carry no end date, so they still apply),
and so are the reference policies. The regulator approves the filings on 1 December 2025 for the
product year 2026; people enroll in the first week of January (so no waiting period is still
running when they fall ill); the simulated days start on Monday 1 June 2026.

The simulation runs on a :class:`~syncsettle.adapters.clock.FixedClock` that only moves forward:
the world's use cases and every hospital call see the simulated time, so business dates, windows
and statements fall on the demo's days.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from syncsettle.adapters.clock import CHINA, FixedClock

DEMO_YEAR = 2026
SETUP_DAY = date(2025, 11, 20)  # hospitals registered, people imported
FILING_DAY = date(2025, 12, 1)
APPROVED_FROM, APPROVED_TO = date(DEMO_YEAR, 1, 1), date(DEMO_YEAR, 12, 31)
ENROLLMENT_DAY = date(DEMO_YEAR, 1, 5)
FIRST_DAY = date(DEMO_YEAR, 6, 1)
MAX_DAYS = 150  # the last simulated day must stay inside the product year


def china(day: date, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    """The UTC instant of a China-time wall clock reading on ``day``."""
    return datetime.combine(day, time(hour, minute, second), tzinfo=CHINA).astimezone(UTC)


def demo_days(count: int) -> list[date]:
    return [FIRST_DAY + timedelta(days=i) for i in range(count)]


def move_to(clock: FixedClock, at: datetime) -> None:
    """Set the simulated clock to ``at`` (never backwards: the platform's records must stay in order)."""
    clock.at = max(clock.at, at)
