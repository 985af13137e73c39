"""Repository of the double-entry ledger: accounts (created on first use), journals, postings.

Postings go in first and the journal row seals them; the database refuses an unbalanced journal
or one that mixes ledgers (see ``ledger_guards``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from syncsettle.adapters.db.fast import FastInsert
from syncsettle.adapters.db.schema import accounts, journals, postings
from syncsettle.adapters.db.util import insert_ignore
from syncsettle.domain.ledger import Journal

_POSTINGS = FastInsert(postings)
_JOURNALS = FastInsert(journals)


def book(conn: Connection, journal: Journal, created_at: datetime) -> None:
    """Write one balanced journal (accounts it names are created when new)."""
    insert_ignore(
        conn,
        accounts,
        # sorted, so concurrent transactions creating the same new accounts never wait on each other in a cycle
        [
            {"code": a.code, "ledger": a.ledger, "kind": a.kind, "name": a.name}
            for a in sorted(journal.accounts(), key=lambda a: a.code)
        ],
    )
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
