"""What ``syncsettle check`` verifies of clearing (called by :mod:`syncsettle.services.settlement.check`):

- no settlement or reversal in two windows, every item names an existing settlement and window,
  and each window's item count is what it recorded;
- every cleared window's positions equal its items' shares (recomputed with one GROUP BY), its
  live instructions equal its non-zero positions per payer × hospital, its totals and SM3
  checksum are those of its instructions; a settled window has no instruction left unconfirmed;
- every confirmed instruction has its transfer journal;
- each prefunded insurer's reserve equals the ledger balance of its reserve account, and its
  exposure equals its unreleased reservations;
- account codes keep to their ledger (``med:`` medical, ``com:`` commercial);
- each revolving fund's (周转金) balance is the sum of its entries and the balance of its medical
  ledger account, each of its draws is minus
  a cross-region settlement's medical amount, and each settled month's top-up restored its level.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.clearing import clearing as repo
from syncsettle.adapters.db.clearing import clearing_checks as q
from syncsettle.adapters.db.clearing import prefunding, revolving
from syncsettle.domain import ledger
from syncsettle.domain.clearing import instructions as files
from syncsettle.domain.clearing.windows import Status

CLEARED = (Status.PENDING_SETTLEMENT.value, Status.SETTLED.value)


def problems(conn: Connection) -> list[str]:
    found = [f"settlement {setl_id} is in {n} windows" for setl_id, n in q.settlements_in_several_windows(conn)]
    found += [f"window item {setl_id} names no settlement or no window" for setl_id in q.dangling_items(conn)]
    counts = q.item_counts(conn)
    for w in q.windows(conn):
        wid, status = w["window_id"], w["status"]
        held = counts.get(wid, 0)
        if status != Status.ABORTED and held != w["items"]:
            found.append(f"window {wid}: {held} items assigned, window says {w['items']}")
        if status == Status.ABORTED and held:
            found.append(f"window {wid} is aborted but still holds {held} items")
        if status in CLEARED:
            found += _cleared_window(conn, w)
    found += _prefunding(conn)
    found += _revolving(conn)
    for code, ledger_name in q.account_ledgers(conn):
        expected = "medical" if code.startswith("med:") else "commercial" if code.startswith("com:") else None
        if expected != ledger_name:
            found.append(f"account {code} is in the {ledger_name} ledger")
    return found


def _cleared_window(conn: Connection, w: dict[str, Any]) -> list[str]:
    wid, region = str(w["window_id"]), str(w["region"])
    found: list[str] = []
    recomputed = q.recomputed_positions(conn, wid, region)
    stored = {(r["payer"], r["hospital"]): int(r["net"]) for r in repo.positions(conn, wid)}
    if recomputed != stored:
        found.append(f"window {wid}: positions differ from its items' shares")
    rows = repo.instruction_rows(conn, wid)
    live = [r for r in rows if r["status"] != "void"]
    instructed = {(r["payer"], r["hospital"]): int(r["amount"]) for r in live}
    if instructed != {k: v for k, v in stored.items() if v}:
        found.append(f"window {wid}: instructions differ from its net positions")
    lines = repo.instructions(conn, wid)
    t = files.totals(lines)
    if (t.count, t.paid, t.refunded) != (w["instructions"], w["total_paid"], w["total_refunded"]):
        found.append(f"window {wid}: totals differ from its instructions")
    if files.checksum(wid, lines) != w["checksum"]:
        found.append(f"window {wid}: checksum differs from its instructions")
    if w["status"] == Status.SETTLED and any(r["status"] == "issued" for r in rows):
        found.append(f"window {wid} is settled with unconfirmed instructions")
    confirmed = [f"{wid}:{r['seq']}" for r in rows if r["status"] == "confirmed"]
    if confirmed:
        booked = q.existing_journals(conn, confirmed)
        found += [f"confirmed instruction {j} has no transfer journal" for j in confirmed if j not in booked]
    return found


def _prefunding(conn: Connection) -> list[str]:
    found: list[str] = []
    open_legs = prefunding.open_reservations(conn)
    for row in q.insurer_funding_rows(conn):
        insurer = row["insurer"]
        balance = q.account_balance(conn, ledger.insurer_reserve(insurer).code)
        if balance != row["reserve"]:
            found.append(f"insurer {insurer}: reserve {row['reserve']} but its ledger account holds {balance}")
        if open_legs.get(insurer, 0) != row["exposure"]:
            found.append(
                f"insurer {insurer}: exposure {row['exposure']} but open reservations {open_legs.get(insurer, 0)}"
            )
    return found


def _revolving(conn: Connection) -> list[str]:
    found: list[str] = []
    sums = revolving.ledger_balances(conn)
    for f in revolving.funds(conn):
        pair = (f["insured_region"], f["treatment_region"])
        name = f"revolving fund {pair[0]}>{pair[1]}"
        if int(f["balance"]) != sums.get(pair, 0):
            found.append(f"{name}: balance {f['balance']} but its entries sum to {sums.get(pair, 0)}")
        booked = revolving.ledger_balance(conn, *pair)
        if int(f["balance"]) != booked:
            found.append(f"{name}: balance {f['balance']} but its ledger account holds {booked}")
        for setl_id, drawn, owed in revolving.wrong_draws(conn, *pair):
            found.append(f"{name}: draw {drawn} for {setl_id}, which owes {owed}")
    for row in revolving.periods(conn):
        if int(row["balance_before"]) + int(row["top_up"]) != int(row["level"]):
            found.append(
                f"revolving fund {row['insured_region']}>{row['treatment_region']} {row['month']:%Y-%m}: "
                f"top-up {row['top_up']} does not restore the level {row['level']}"
            )
    return found
