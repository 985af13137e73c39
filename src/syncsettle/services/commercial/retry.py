"""Retrying pending commercial legs until they settle, and relaying result notices to the insurers.

:func:`retry_due` tries every pending claim whose next attempt is due (``syncsettle claims retry``,
and every ``SYNCSETTLE_CLAIMS_RETRY_S`` seconds in each server process). It is safe to run in any
number of processes at once: a claim settles under its person's lock and only from ``pending``
(:func:`~syncsettle.services.commercial.claims.settle_claim`), so it settles exactly once; a crash
mid-attempt rolls the attempt back and the claim stays pending. After a failed attempt the claim
waits longer each time (doubling, capped at ``SYNCSETTLE_CLAIMS_BACKOFF_MAX_S``); a pass stops at the
first claim the commercial side does not answer (down or past the budget), so an outage costs one
wait per pass, not one per claim (on SQLite that wait holds the database's write lock).

:func:`relay` sends the result notices waiting in the outbox (an ``embedded`` product's result for
its insurer), each sealed at sending time, and marks them sent.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from syncsettle.adapters.channel.transport import ChannelError
from syncsettle.adapters.db.commercial import claims as repo
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.domain.identity import ALL, Principal, Role
from syncsettle.services.commercial.claims import settle_claim
from syncsettle.services.commercial.wiring import channel_of
from syncsettle.services.errors import ServiceError
from syncsettle.services.platform import Platform

log = logging.getLogger("syncsettle.claims")
_UNREACHABLE = (PendingReason.CHANNEL_DOWN.value, PendingReason.CHANNEL_TIMEOUT.value)
RETRY_ACTOR = Principal(Role.OPERATOR, ALL, "快赔自动重试", "system:claims-retry")


def relay(p: Platform, limit: int = 200) -> int:
    """Send waiting result notices; stops at the first the commercial side does not take. Returns how many went."""
    with p.uow(readonly=True) as uow:
        waiting = repo.unsent_notices(uow.conn, limit)
    sent = 0
    for notice in waiting:
        try:
            channel_of(p).deliver("result", notice["payload"], max(p.commercial.budget_s, 1.0))
        except ChannelError as exc:
            log.info("result notice %s not delivered: %s", notice["id"], exc.detail)
            break
        with p.uow() as uow:
            sent += repo.mark_sent(uow.conn, notice["id"], p.clock.now())
            uow.commit()
    return sent


def retry_due(p: Platform, *, limit: int = 200, everything: bool = False) -> dict[str, Any]:
    """Attempt the due pending claims (``everything``: all pending ones, due or not) and relay the
    waiting notices. Returns counts: ``attempted``, ``settled``, ``pending``, ``notices``."""
    now = p.clock.now()
    with p.uow(readonly=True) as uow:
        due = repo.due(uow.conn, now + timedelta(days=36500) if everything else now, limit)
    counts = {"attempted": 0, "settled": 0, "pending": 0}
    for claim_id in due:
        counts["attempted"] += 1
        try:
            claim = settle_claim(p, claim_id, RETRY_ACTOR)
        except ServiceError as exc:  # e.g. the enrollment is gone: leave it to an operator, keep going
            log.info("claim %s: %s", claim_id, exc)
            counts["pending"] += 1
            continue
        counts["settled" if claim["status"] == "settled" else "pending"] += 1
        if claim["status"] == "pending" and claim["reason_code"] in _UNREACHABLE:
            break  # the commercial side is down or slow: the others wait for the next pass (and hold no lock)
    return {**counts, "notices": relay(p)}


def start_background(p: Platform) -> threading.Event | None:
    """Run :func:`retry_due` every ``retry_s`` seconds in a daemon thread (set the event to stop)."""
    interval = p.commercial.retry_s
    if interval <= 0:
        return None
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(interval):
            try:
                retry_due(p)
            except Exception:  # a database hiccup must not end the loop; it is logged and tried again
                log.exception("claims retry failed")

    threading.Thread(target=loop, name="claims-retry", daemon=True).start()
    return stop
