"""The hot statements run on the driver (``adapters.db.fast``) read and write exactly what SQLAlchemy
would — aware UTC timestamps, dates, JSON, booleans, the tables' Python defaults, literal values in
the statement — raise SQLAlchemy's exceptions, and stay inside the unit of work's transaction. And
a pooled PostgreSQL connection that died while idle is replaced before anyone uses it."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError

from syncsettle.adapters.db.core import engine as engine_module
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.fast import Fast, FastInsert
from syncsettle.adapters.db.core.migrate import upgrade
from syncsettle.adapters.db.core.schema import enrollments, fee_lines, outbox, persons

NOW = datetime(2026, 11, 23, 8, 30, 15, 123456, tzinfo=UTC)


def _person(psn_no: str) -> dict[str, object]:
    return {"psn_no": psn_no, "psn_name_enc": b"\x01\x02", "certno_enc": b"\x03", "certno_bidx": f"bidx-{psn_no}",
            "gend": "1", "brdy": date(1980, 1, 31), "insuplc_admdvs": "370600", "created_at": NOW}  # fmt: skip


@pytest.fixture
def db(database_url: str):  # type: ignore[no-untyped-def]
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_reads_equal_sqlalchemys_rows_and_literals_are_bound(db) -> None:  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        FastInsert(persons).many(conn, [_person("P1"), _person("P2")])
        FastInsert(enrollments).one(
            conn, {"psn_no": "P1", "product_id": "prod", "begndate": date(2026, 1, 1), "enddate": date(2026, 12, 31)}
        )
        FastInsert(enrollments).one(
            conn, {"psn_no": "P1", "product_id": "old", "begndate": date(2025, 1, 1), "enddate": date(2025, 12, 31),
                   "status": "cancelled"},
        )  # fmt: skip
    active = select(enrollments).where(enrollments.c.psn_no == bindparam("p"), enrollments.c.status == "active")
    by_no = select(persons).where(persons.c.psn_no == bindparam("p"))
    with db.connect() as conn:
        for stmt in (active, by_no):
            expected = [dict(r) for r in conn.execute(stmt, {"p": "P1"}).mappings()]
            assert Fast(stmt).dicts(conn, {"p": "P1"}) == expected
        got = Fast(active).dicts(conn, {"p": "P1"})
    assert [e["product_id"] for e in got] == ["prod"]  # the literal "active" was bound, the cancelled one left out
    assert got[0]["pre_existing"] is False and got[0]["enrolled_years"] == 1  # the tables' Python defaults
    person = Fast(by_no).dicts(db.connect(), {"p": "P2"})[0]
    assert person["brdy"] == date(1980, 1, 31) and person["created_at"] == NOW  # aware UTC, to the microsecond


@pytest.mark.parametrize("count", [7, 25, 250])  # one multi-row statement, three of them, executemany
def test_inserts_many_rows_with_json_and_defaults(db, count: int) -> None:  # type: ignore[no-untyped-def]
    rows = [{"topic": "settlement.settled", "key": f"ST{i}", "payload": {"金额": "12.30", "n": [i]}, "created_at": NOW}
            for i in range(count)]  # fmt: skip
    with db.begin() as conn:
        FastInsert(outbox).many(conn, rows)
    with db.connect() as conn:
        stored = [dict(r) for r in conn.execute(select(outbox).order_by(outbox.c.id)).mappings()]
    assert [(r["key"], r["payload"], r["created_at"], r["published_at"]) for r in stored] == [
        (f"ST{i}", {"金额": "12.30", "n": [i]}, NOW, None) for i in range(count)
    ]


def test_insert_ignore_skips_existing_keys_and_errors_are_sqlalchemys(db) -> None:  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        FastInsert(persons).one(conn, _person("P1"))
        FastInsert(persons, ignore=True).many(conn, [_person("P1"), _person("P3")])
    with db.connect() as conn:
        assert sorted(r[0] for r in conn.execute(select(persons.c.psn_no))) == ["P1", "P3"]
    with pytest.raises(IntegrityError), db.begin() as conn:
        FastInsert(persons).one(conn, _person("P1"))


def test_a_failed_unit_of_work_leaves_nothing(db) -> None:  # type: ignore[no-untyped-def]
    """Fast statements share the connection's transaction: a rollback takes them back with the rest."""
    with db.connect() as conn:
        conn.begin()
        FastInsert(persons).one(conn, _person("P9"))
        assert Fast(select(persons.c.psn_no)).rows(conn, {}) == [("P9",)]
        conn.rollback()
    with db.connect() as conn:
        assert Fast(select(persons.c.psn_no)).rows(conn, {}) == []


def test_expanding_parameters_are_refused(db) -> None:  # type: ignore[no-untyped-def]
    stmt = select(fee_lines.c.feedetl_sn).where(fee_lines.c.feedetl_sn.in_(bindparam("sns", expanding=True)))
    with db.connect() as conn, pytest.raises(ValueError, match="expanding"):
        Fast(stmt).rows(conn, {"sns": ["1"]})


def test_a_connection_that_died_while_idle_is_replaced_before_use(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            first = conn.execute(text("select pg_backend_pid()")).scalar_one()
        with make_engine(database_url).connect() as other:
            other.execute(text("select pg_terminate_backend(:pid)"), {"pid": first})
            other.commit()
        with engine.connect() as conn:  # the checkout ping fails; the pool connects anew
            assert conn.execute(text("select pg_backend_pid()")).scalar_one() != first
    finally:
        engine.dispose()


def test_a_settlement_learns_its_accounts_only_once_its_commit_has_returned(database_url: str) -> None:
    """The ledger skips ``INSERT INTO accounts`` for accounts this process saw committed; one seen only
    in a rolled-back transaction must be inserted again (else a posting would name a missing account)."""
    from syncsettle.adapters.clock import SystemClock
    from syncsettle.adapters.db.core.engine import make_engine
    from syncsettle.adapters.db.core.migrate import upgrade
    from syncsettle.adapters.db.settlement import ledger as ledger_repo
    from syncsettle.adapters.observability.sql_count import STATEMENTS
    from syncsettle.domain import ledger
    from syncsettle.domain.ledger import Journal, Posting
    from syncsettle.services.unit_of_work import UnitOfWork

    engine = make_engine(database_url)
    upgrade(engine)
    now = SystemClock().now()
    a, b = ledger.fund("370600", "390100"), ledger.hospital_receivable("H1", "390100", "medical")

    def journal(k: int) -> Journal:
        return Journal(f"J{k}", "medical", "settlement", None, "t", (Posting(b, 100), Posting(a, -100)))

    with UnitOfWork(engine, SystemClock()) as uow:
        ledger_repo.book(uow.conn, journal(1), now)
        uow.rollback()  # the accounts' creation is undone: nothing may be learnt
    with UnitOfWork(engine, SystemClock()) as uow:
        ledger_repo.book(uow.conn, journal(2), now)  # so they are created again, and this commits
        uow.commit()
    with UnitOfWork(engine, SystemClock()) as uow:
        before = STATEMENTS.value()
        ledger_repo.book(uow.conn, journal(3), now)
        assert STATEMENTS.value() - before == 2  # postings and journal: the accounts are known now
        uow.commit()
    engine.dispose()
