"""Gauges of the commercial legs waiting as quick claims, by insurer and reason, read from the
database at every ``/metrics`` scrape (so every worker answers the same).

- ``syncsettle_commercial_pending_legs``: how many legs wait;
- ``syncsettle_commercial_pending_fen``: the amount they wait on, in fen — a leg's payable where it
  is already known, else what the patient still owes on that visit after the legs that did settle
  (``claim_views``): the most the leg can pay, and what the patient is waiting to have covered.
"""

from __future__ import annotations

from syncsettle.adapters.db.commercial import claims as repo
from syncsettle.adapters.observability import gauges
from syncsettle.domain.commercial.view import view_from_json
from syncsettle.domain.settlement.burden import remaining_total
from syncsettle.services.platform import Platform

Key = tuple[str, str]


def pending_by_insurer(p: Platform, statuses: tuple[str, ...] = ("pending",)) -> dict[Key, tuple[int, int]]:
    """(insurer, reason) → (legs waiting, fen they wait on); ``statuses`` ``("pending", "held")`` also
    counts the legs held for risk review (the console's 待结 table; the gauges keep to pending)."""
    with p.uow(readonly=True) as uow:
        rows = repo.pending_legs(uow.conn, statuses)
    out: dict[Key, tuple[int, int]] = {}
    for row in rows:
        if row["payable"] is not None:
            amount = int(row["payable"])
        else:
            amount = remaining_total(view_from_json(row["view"]).burden()) if row["view"] else 0
        key = (str(row["insurer_id"]), str(row["reason_code"]))
        count, total = out.get(key, (0, 0))
        out[key] = (count + 1, total + amount)
    return out


def register() -> None:
    """Expose the two gauges on ``/metrics``."""
    gauges.register(
        "syncsettle_commercial_pending_legs",
        "Commercial legs waiting to settle as quick claims, by insurer and reason",
        lambda p: {k: count for k, (count, _) in pending_by_insurer(p).items()},
        labels=("insurer", "reason"),
    )
    gauges.register(
        "syncsettle_commercial_pending_fen",
        "Fen the waiting commercial legs wait on (payable when known, else what the patient still owes)",
        lambda p: {k: amount for k, (_, amount) in pending_by_insurer(p).items()},
        labels=("insurer", "reason"),
    )
