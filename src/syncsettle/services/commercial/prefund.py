"""Insurer prefunding on the commercial leg (预付备付金): a leg settles only if it fits the insurer's
reserve plus its net-debit cap; otherwise it waits as a pending claim (``prefund_exhausted``), the
operator and the insurer are alerted, and a top-up makes those claims due again.

- Bedside leg: reserved under the settlement's ``setl_id`` (:func:`reserve`), so clearing releases
  it when the window holding that settlement is paid (``adapters/db/prefunding.release_window``).
- Quick claim (a pending leg settled later): reserved under its ``claim_id`` and paid to the person
  out of the reserve in the same transaction (:func:`pay_claim`) — no clearing window pays a person,
  so the reservation is released at once and the reserve goes down by the payout. Either way the
  ``reserve`` figure keeps equal to the ledger's reserve account and ``exposure`` to the open
  reservations (``syncsettle check``).
- Alert: one open ``prefund_exhausted`` alert per insurer (:mod:`syncsettle.adapters.db.management.alerts`),
  announced once on the outbox (``alert.prefund_exhausted``) when it opens, counting the legs it
  refused; listed for the operator and for the insurer; resolved by the next top-up
  (:func:`syncsettle.services.clearing.prefunding.on_top_up`, called in the top-up's transaction).

An insurer that is not prefunded is never limited and nothing is booked for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.clearing import prefunding as repo
from syncsettle.adapters.db.management import alerts as alerts_repo
from syncsettle.adapters.db.settlement import ledger as ledger_repo
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.domain import ledger
from syncsettle.domain.commercial.pending import PendingReason
from syncsettle.money import format_yuan
from syncsettle.services.platform import Platform

ALERT = PendingReason.PREFUND_EXHAUSTED.value
ALERT_TOPIC = "alert.prefund_exhausted"


def reserve(conn: Connection, insurer: str, amount: int, ref: str, now: datetime) -> bool:
    """Whether a leg of ``amount`` fen of ``insurer`` fits its prefunding; when it fits it is booked
    under ``ref``, when it does not the operator and the insurer are alerted (same transaction)."""
    if repo.reserve_leg(conn, insurer, amount, now, ref):
        return True
    message = f"{insurer} 预付备付金及净借记上限已用尽：商保部分转为快赔待办，请尽快充值"
    if alerts_repo.raise_alert(conn, ALERT, insurer, message, amount, now):
        settlements_repo.emit(
            conn,
            {"topic": ALERT_TOPIC, "key": insurer, "created_at": now,
             "payload": {"kind": ALERT, "insurer": insurer, "message": message, "first_leg": ref,
                         "amount": format_yuan(amount)}},
        )  # fmt: skip
    return False


def pay_claim(conn: Connection, claim: Mapping[str, Any], amount: int, now: datetime) -> int:
    """Pay a settled claim reserved under its ``claim_id`` out of the insurer's reserve (book the
    payment journal). Returns the fen paid from the reserve (0 when the insurer is not prefunded)."""
    paid = repo.pay_out_at_once(conn, claim["insurer_id"], claim["claim_id"], now)
    if paid:
        journal = ledger.claim_payment_journal(claim["claim_id"], claim["insurer_id"], claim["psn_no"], paid)
        ledger_repo.book(conn, journal, now)
    return paid


def alerts_of(p: Platform, insurer: str | None = None, open_only: bool = False) -> list[dict[str, Any]]:
    """Alerts (all for the operator, or one insurer's), newest first, amounts in yuan."""
    with p.uow(readonly=True) as uow:
        rows = alerts_repo.listing(uow.conn, subject=insurer, open_only=open_only)
    return [
        {"id": r["id"], "kind": r["kind"], "insurer": r["subject"], "open": r["open_key"] is not None,
         "message": r["message"], "legs": r["occurrences"], "amount": format_yuan(r["amount"]),
         "raised_at": r["raised_at"].isoformat(), "last_at": r["last_at"].isoformat(),
         "resolved_at": r["resolved_at"].isoformat() if r["resolved_at"] else None, "resolved_by": r["resolved_by"]}
        for r in rows
    ]  # fmt: skip


def reserve_levels(p: Platform) -> dict[tuple[str, ...], int]:
    """The gauge ``syncsettle_prefund_fen``: per insurer, its reserve, exposure, net-debit cap and
    headroom (reserve + cap − exposure), in fen."""
    with p.uow(readonly=True) as uow:
        rows = repo.positions(uow.conn)
    out: dict[tuple[str, ...], int] = {}
    for r in rows:
        reserve_, exposure, cap = int(r["reserve"]), int(r["exposure"]), int(r["net_debit_cap"])
        figures = {
            "reserve": reserve_,
            "exposure": exposure,
            "net_debit_cap": cap,
            "headroom": reserve_ + cap - exposure,
        }
        out.update({(r["insurer"], name): value for name, value in figures.items()})
    return out


def open_alerts(p: Platform) -> dict[tuple[str, ...], int]:
    """The gauge ``syncsettle_alerts_open``: open alerts per kind."""
    counts: dict[tuple[str, ...], int] = {}
    for alert in alerts_of(p, open_only=True):
        counts[(alert["kind"],)] = counts.get((alert["kind"],), 0) + 1
    return counts
