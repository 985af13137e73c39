"""The discrepancy workflow (pure): open → investigating → resolved or written off.

Every move names who made it and why; resolved and written-off discrepancies are final.
"""

from __future__ import annotations

OPEN = "open"
INVESTIGATING = "investigating"
RESOLVED = "resolved"
WRITTEN_OFF = "written_off"

MOVES: dict[str, frozenset[str]] = {
    OPEN: frozenset({INVESTIGATING, RESOLVED, WRITTEN_OFF}),
    INVESTIGATING: frozenset({RESOLVED, WRITTEN_OFF}),
    RESOLVED: frozenset(),
    WRITTEN_OFF: frozenset(),
}
STATUSES = tuple(MOVES)


def may_move(current: str, target: str) -> bool:
    return target in MOVES.get(current, frozenset())
