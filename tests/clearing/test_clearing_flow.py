"""Clearing after real settlements through the hospital interface (SQLite and PostgreSQL): gross
and net per payer × hospital, payment instruction files, idempotent re-runs, confirmation with
transfer journals that keep the two ledgers apart, and ``syncsettle check``."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select, text

from syncsettle.adapters.db.clearing.schema_clearing import clearing_positions, payment_instructions
from syncsettle.adapters.db.core.schema import journals, postings
from syncsettle.domain.trust.hashing import sm3
from syncsettle.services.clearing import clear, confirm, windows
from syncsettle.services.errors import ServiceError
from syncsettle.services.settlement.check import check
from tests.clearing.conftest import HMB, World, inpatient, reverse

H1, H2 = "H37060000001", "H37060000002"
WINDOW = "W370600-20250610"


def day_of_settlements(w: World) -> dict[str, Any]:
    """Two inpatient stays at H1 (one with 烟台市民健康保), one at H2 that is reversed the same day."""
    a = inpatient(w, "P0001", "60000.00", product=HMB)
    b = inpatient(w, "Q0001", "3000.00", hospital=H2)
    c = inpatient(w, "Q0002", "8000.00", hospital=H2)
    reverse(w, c, hospital=H2)
    w.clock.advance(days=1)
    return {"a": a, "b": b, "c": c}


def cleared(w: World) -> dict[str, Any]:
    windows.close(w.platform, "370600", date(2025, 6, 10))
    return clear.run(w.platform, WINDOW)


def test_positions_are_gross_and_net_per_payer_and_hospital(world: World) -> None:
    day_of_settlements(world)
    result = cleared(world)
    assert (result["status"], result["items"], result["instructions"]) == ("PENDING_SETTLEMENT", 4, 4)
    with world.platform.uow(readonly=True) as uow:
        rows = uow.conn.execute(
            select(clearing_positions.c.payer, clearing_positions.c.hospital, clearing_positions.c.gross_settled,
                   clearing_positions.c.gross_reversed, clearing_positions.c.net)
            .where(clearing_positions.c.window_id == WINDOW).order_by(clearing_positions.c.payer,
                                                                      clearing_positions.c.hospital)
        ).all()  # fmt: skip
    assert [tuple(r) for r in rows] == [
        ("fund:370600:390100", H1, 38480_00, 0, 38480_00),
        ("fund:370600:390100", H2, 1950_00 + 5700_00, -5700_00, 1950_00),  # (8000 − 400) × 75%, reversed
        ("fund:370600:390200", H1, 4512_00, 0, 4512_00),
        ("insurer:yantai-hmb", H1, 1405_60, 0, 1405_60),
    ]


def test_instruction_files_carry_totals_and_one_sm3_checksum(world: World) -> None:
    day_of_settlements(world)
    result = cleared(world)
    text_csv = clear.instruction_file(world.platform, WINDOW, "csv")
    as_json = clear.instruction_file(world.platform, WINDOW, "json")
    assert isinstance(text_csv, str) and isinstance(as_json, dict)
    rows = list(csv.reader(io.StringIO(text_csv)))
    assert rows[0][:4] == ["window_id", "seq", "ledger", "direction"]
    assert [r[1] for r in rows[1:5]] == ["1", "2", "3", "4"]
    assert rows[5] == ["TOTAL", WINDOW, "4", "paid", "46347.60", "refunded", "0.00", "net", "46347.60"]
    body = text_csv[: text_csv.rindex("SM3,")]
    assert rows[6] == ["SM3", sm3(body.encode()).hex()] == ["SM3", result["checksum"]]
    assert as_json["checksum"]["value"] == result["checksum"]
    assert as_json["totals"] == {"count": 4, "paid": "46347.60", "refunded": "0.00", "net": "46347.60"}
    assert [i["amount"] for i in as_json["instructions"]] == ["1405.60", "38480.00", "1950.00", "4512.00"]


def test_clearing_a_window_again_changes_nothing(world: World) -> None:
    day_of_settlements(world)
    first = cleared(world)

    def counts() -> tuple[int, int]:
        with world.platform.uow(readonly=True) as uow:
            return (uow.conn.execute(select(func.count()).select_from(payment_instructions)).scalar_one(),
                    uow.conn.execute(select(func.count()).select_from(clearing_positions)).scalar_one())  # fmt: skip

    before = counts()
    again = clear.run(world.platform, WINDOW)
    assert again["cleared_now"] is False and first["cleared_now"] is True
    assert {k: v for k, v in again.items() if k != "cleared_now"} == {
        k: v for k, v in first.items() if k != "cleared_now"
    }
    assert counts() == before
    confirm.confirm(world.platform, WINDOW, "出纳 李四", "BK-1")
    assert clear.run(world.platform, WINDOW)["checksum"] == first["checksum"]
    assert confirm.confirm(world.platform, WINDOW, "出纳 李四", "BK-1")["confirmed_now"] == 0
    assert counts() == before


def test_an_open_window_cannot_be_cleared(world: World) -> None:
    with world.platform.uow() as uow:
        windows.open_window(uow.conn, "370600", date(2025, 6, 10), world.clock.now())
        uow.commit()
    with pytest.raises(ServiceError, match="须先关闭"):
        clear.run(world.platform, WINDOW)
    with pytest.raises(ServiceError):
        clear.run(world.platform, "W370600-20990101")


def test_confirmation_books_transfers_and_empties_the_cleared_receivables(world: World) -> None:
    day_of_settlements(world)
    cleared(world)
    partly = confirm.confirm(world.platform, WINDOW, "出纳 李四", "BK-20250611-01", seqs=[1])
    assert (partly["status"], partly["confirmed_now"]) == ("PENDING_SETTLEMENT", 1)
    with pytest.raises(ServiceError):
        windows.abort(world.platform, WINDOW, "运营", "a confirmed payment cannot be undone by an abort")
    done = confirm.confirm(world.platform, WINDOW, "出纳 李四", "BK-20250611-02")
    assert (done["status"], done["confirmed_now"]) == ("SETTLED", 3)
    with world.platform.uow(readonly=True) as uow:
        balances = dict(
            uow.conn.execute(
                select(postings.c.account, func.sum(postings.c.amount))
                .where(postings.c.account.like("%:hospital:%"))
                .group_by(postings.c.account)
            ).all()
        )
        transfer_ledgers = dict(
            uow.conn.execute(select(journals.c.id, journals.c.ledger).where(journals.c.kind == "transfer")).all()
        )
    assert set(balances.values()) == {0}, balances
    assert transfer_ledgers == {f"{WINDOW}:1": "commercial", f"{WINDOW}:2": "medical", f"{WINDOW}:3": "medical",
                                f"{WINDOW}:4": "medical"}  # fmt: skip
    assert check(world.platform)["ok"]


def test_check_notices_an_instruction_changed_after_clearing(world: World) -> None:
    day_of_settlements(world)
    cleared(world)
    with world.platform.engine.begin() as conn:
        conn.execute(
            payment_instructions.update()
            .where(payment_instructions.c.seq == 2)
            .values(amount=payment_instructions.c.amount + 1)
        )
    problems = check(world.platform)["problems"]
    assert any("instructions differ from its net positions" in p for p in problems)
    assert any("checksum differs" in p for p in problems)


def test_no_journal_touches_both_ledgers(world: World) -> None:
    """Fund isolation: after settlements, reversals, clearing and confirmation, every journal's
    postings stay in its own ledger, every account code keeps to its ledger, and the database itself
    refuses a journal that mixes them."""
    day_of_settlements(world)
    cleared(world)
    confirm.confirm(world.platform, WINDOW, "出纳", "BK-1")
    with world.platform.uow(readonly=True) as uow:
        mixed = uow.conn.execute(text(
            "SELECT j.id FROM journals j JOIN postings p ON p.journal_id = j.id JOIN accounts a ON a.code = p.account "
            "GROUP BY j.id HAVING COUNT(DISTINCT a.ledger) > 1 OR MIN(a.ledger) <> MAX(j.ledger)"
        )).all()  # fmt: skip
        per_ledger = dict(uow.conn.execute(text("SELECT ledger, COUNT(*) FROM journals GROUP BY ledger")).all())
    assert mixed == []
    assert per_ledger["medical"] >= 5 and per_ledger["commercial"] >= 2
    with pytest.raises(Exception, match="ledger"), world.platform.engine.begin() as conn:
        conn.execute(text("INSERT INTO postings (journal_id, account, ledger, amount) VALUES "
                          "('X:mixed', 'med:fund:370600:390100', 'medical', 100), "
                          "('X:mixed', 'com:insurer:yantai-hmb:payable', 'medical', -100)"))  # fmt: skip
    with pytest.raises(Exception, match="ledger"), world.platform.engine.begin() as conn:
        conn.execute(text("INSERT INTO postings (journal_id, account, ledger, amount) VALUES "
                          "('X:mixed2', 'med:fund:370600:390100', 'medical', 100), "
                          "('X:mixed2', 'com:insurer:yantai-hmb:payable', 'commercial', -100)"))  # fmt: skip
        conn.execute(text("INSERT INTO journals (id, ledger, kind, memo, created_at) VALUES "
                          "('X:mixed2', 'medical', 'test', '', '2025-06-10 00:00:00')"))  # fmt: skip
    assert check(world.platform)["ok"]
