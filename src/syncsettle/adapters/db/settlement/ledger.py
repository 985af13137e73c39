"""Repository of the double-entry ledger: accounts (created on first use), journals, postings.

Postings go in first and the journal row seals them; the database refuses an unbalanced journal
or one that mixes ledgers (see ``ledger_guards``)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from syncsettle.adapters.db.core.fast import FastInsert
from syncsettle.adapters.db.core.schema import accounts, journals, postings
from syncsettle.adapters.db.core.util import after_commit, insert_ignore
from syncsettle.domain.ledger import Account, Journal, Posting

_POSTINGS = FastInsert(postings)
_JOURNALS = FastInsert(journals)


# Accounts are never deleted, so once a transaction that created (or found) an account has committed,
# this process knows it exists and need not send ``INSERT … ON CONFLICT DO NOTHING`` for it again —
# one statement less per settlement. Per engine (one database). Codes learnt in a transaction count
# only once its commit has returned (the unit of work runs :func:`after_commit` work then): learnt any
# earlier, another transaction could post to an account not yet visible to it. A rollback, or a
# transaction outside a unit of work, learns nothing. Bounded: past the limit it stops learning.
_KNOWN: weakref.WeakKeyDictionary[Engine, set[str]] = weakref.WeakKeyDictionary()
KNOWN_ACCOUNTS_LIMIT = 50_000


def _learner(engine: Engine, codes: set[str]) -> Callable[[], None]:
    def learn() -> None:
        known = _KNOWN.setdefault(engine, set())
        if len(known) < KNOWN_ACCOUNTS_LIMIT:
            known.update(codes)

    return learn


def book(conn: Connection, journal: Journal, created_at: datetime) -> None:
    """Write one balanced journal (accounts it names are created when new)."""
    known = _KNOWN.get(conn.engine, ())
    new = [a for a in journal.accounts() if a.code not in known]
    if new:
        insert_ignore(
            conn,
            accounts,
            # sorted, so concurrent transactions creating the same new accounts never wait on each other in a cycle
            [
                {"code": a.code, "ledger": a.ledger, "kind": a.kind, "name": a.name}
                for a in sorted(new, key=lambda a: a.code)
            ],
        )
        after_commit(conn, _learner(conn.engine, {a.code for a in new}))
    _POSTINGS.many(
        conn,
        [
            {"journal_id": journal.id, "account": p.account.code, "ledger": journal.ledger, "amount": p.amount}
            for p in journal.postings
        ],
    )
    _JOURNALS.one(
        conn,
        {
            "id": journal.id,
            "ledger": journal.ledger,
            "kind": journal.kind,
            "setl_id": journal.setl_id,
            "memo": journal.memo,
            "created_at": created_at,
        },
    )


def journals_of(conn: Connection, setl_id: str) -> list[Journal]:
    """A settlement's journals with their postings (in booking order), in one query: a reversal
    books each of them negated."""
    rows = conn.execute(
        select(journals.c.id, journals.c.ledger.label("journal_ledger"), journals.c.kind.label("journal_kind"),
               journals.c.memo, postings.c.amount, accounts.c.code, accounts.c.ledger, accounts.c.kind, accounts.c.name)
        .join(postings, postings.c.journal_id == journals.c.id)
        .join(accounts, accounts.c.code == postings.c.account)
        .where(journals.c.setl_id == setl_id)
        .order_by(journals.c.id, postings.c.id)
    ).mappings()  # fmt: skip
    found: dict[str, tuple[Any, list[Posting]]] = {}
    for r in rows:
        _, entries = found.setdefault(r["id"], (r, []))
        entries.append(Posting(Account(r["code"], r["ledger"], r["kind"], r["name"]), int(r["amount"])))
    return [Journal(jid, head["journal_ledger"], head["journal_kind"], setl_id, head["memo"], tuple(entries))
            for jid, (head, entries) in found.items()]  # fmt: skip
