"""Database-side guards of the double-entry ledger, installed by the migrations.

Postings are written first, then the journal row "seals" them: a trigger refuses the journal
unless its postings sum to zero, number at least two and all belong to the journal's ledger; a
posting must match its account's ledger and cannot be added to a sealed journal; postings and
journals are immutable (corrections are new journals). The postings → journal foreign key is
deferred, so a posting without its journal cannot survive the commit.
"""

from __future__ import annotations

SQLITE = [
    """
    CREATE TRIGGER journal_must_balance BEFORE INSERT ON journals
    BEGIN
      SELECT RAISE(ABORT, 'unbalanced journal: postings must sum to zero')
        WHERE (SELECT COALESCE(SUM(amount), 0) FROM postings WHERE journal_id = NEW.id) != 0;
      SELECT RAISE(ABORT, 'a journal needs at least two postings')
        WHERE (SELECT COUNT(*) FROM postings WHERE journal_id = NEW.id) < 2;
      SELECT RAISE(ABORT, 'a journal cannot touch two ledgers')
        WHERE EXISTS (SELECT 1 FROM postings WHERE journal_id = NEW.id AND ledger != NEW.ledger);
    END
    """,
    """
    CREATE TRIGGER posting_checks BEFORE INSERT ON postings
    BEGIN
      SELECT RAISE(ABORT, 'journal already sealed')
        WHERE EXISTS (SELECT 1 FROM journals WHERE id = NEW.journal_id);
      SELECT RAISE(ABORT, 'posting ledger differs from its account ledger')
        WHERE (SELECT ledger FROM accounts WHERE code = NEW.account) IS NOT NEW.ledger;
    END
    """,
    "CREATE TRIGGER postings_immutable BEFORE UPDATE ON postings BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END",
    "CREATE TRIGGER postings_kept BEFORE DELETE ON postings BEGIN SELECT RAISE(ABORT, 'postings are immutable'); END",
    "CREATE TRIGGER journals_immutable BEFORE UPDATE ON journals BEGIN SELECT RAISE(ABORT, 'journals are immutable'); END",
    "CREATE TRIGGER journals_kept BEFORE DELETE ON journals BEGIN SELECT RAISE(ABORT, 'journals are immutable'); END",
]

POSTGRESQL = [
    """
    CREATE FUNCTION journal_must_balance() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE total bigint; n integer; mixed boolean;
    BEGIN
      SELECT COALESCE(SUM(amount), 0), COUNT(*), BOOL_OR(ledger <> NEW.ledger)
        INTO total, n, mixed FROM postings WHERE journal_id = NEW.id;
      IF total <> 0 THEN RAISE EXCEPTION 'unbalanced journal: postings must sum to zero'; END IF;
      IF n < 2 THEN RAISE EXCEPTION 'a journal needs at least two postings'; END IF;
      IF mixed THEN RAISE EXCEPTION 'a journal cannot touch two ledgers'; END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER journal_must_balance BEFORE INSERT ON journals FOR EACH ROW EXECUTE FUNCTION journal_must_balance()",
    """
    CREATE FUNCTION posting_checks() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM journals WHERE id = NEW.journal_id) THEN
        RAISE EXCEPTION 'journal already sealed';
      END IF;
      IF (SELECT ledger FROM accounts WHERE code = NEW.account) IS DISTINCT FROM NEW.ledger THEN
        RAISE EXCEPTION 'posting ledger differs from its account ledger';
      END IF;
      RETURN NEW;
    END $$
    """,
    "CREATE TRIGGER posting_checks BEFORE INSERT ON postings FOR EACH ROW EXECUTE FUNCTION posting_checks()",
    """
    CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'journals and postings are immutable'; END $$
    """,
    "CREATE TRIGGER postings_immutable BEFORE UPDATE OR DELETE ON postings FOR EACH ROW EXECUTE FUNCTION ledger_immutable()",
    "CREATE TRIGGER journals_immutable BEFORE UPDATE OR DELETE ON journals FOR EACH ROW EXECUTE FUNCTION ledger_immutable()",
]


def statements(dialect: str) -> list[str]:
    if dialect == "sqlite":
        return SQLITE
    if dialect == "postgresql":
        return POSTGRESQL
    raise ValueError(f"no ledger guards for {dialect}")
