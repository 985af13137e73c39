"""The pure clearing rules: window periods and state machine, instruction files and their SM3
checksum, transfer journals, reconciliation comparisons, the discrepancy workflow."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime

import pytest

from syncsettle.domain.clearing import discrepancies as workflow
from syncsettle.domain.clearing.instructions import Instruction, checksum, to_csv, to_json, totals
from syncsettle.domain.clearing.reconciliation import SettlementRecord, compare_lines, compare_settlements
from syncsettle.domain.clearing.transfers import transfer_journal
from syncsettle.domain.clearing.windows import Schedule, Status, may_move, period_of
from syncsettle.domain.ledger import UnbalancedJournal


def test_daily_periods_and_their_cutoff_at_china_midnight() -> None:
    p = period_of("370600", date(2025, 6, 10), Schedule())
    assert (p.begin, p.end, p.window_id) == (date(2025, 6, 10), date(2025, 6, 11), "W370600-20250610")
    assert p.cutoff.astimezone(UTC) == datetime(2025, 6, 10, 16, 0, tzinfo=UTC)


def test_a_schedule_change_never_overlaps_the_previous_window() -> None:
    weekly = period_of("370600", date(2025, 6, 12), Schedule(7, 0))
    assert (weekly.begin, weekly.end) == (date(2025, 6, 9), date(2025, 6, 16))
    clipped = period_of("370600", date(2025, 6, 12), Schedule(7, 0), previous_end=date(2025, 6, 11))
    assert (clipped.begin, clipped.end) == (date(2025, 6, 11), date(2025, 6, 18))
    with pytest.raises(ValueError):
        Schedule(0, 0)


def test_the_window_state_machine() -> None:
    path = [Status.OPEN, Status.CLOSED, Status.PENDING_SETTLEMENT, Status.SETTLED]
    assert all(may_move(a, b) for a, b in itertools.pairwise(path))
    assert may_move(Status.CLOSED, Status.ABORTED) and may_move(Status.PENDING_SETTLEMENT, Status.ABORTED)
    assert not may_move(Status.SETTLED, Status.ABORTED)
    assert not may_move(Status.OPEN, Status.PENDING_SETTLEMENT)
    assert not may_move(Status.ABORTED, Status.OPEN)


LINES = [
    Instruction("W1", 1, "commercial", "insurer:hmb", "H1", 1405_60),
    Instruction("W1", 2, "medical", "fund:370600:390100", "H1", 38480_00),
    Instruction("W1", 3, "medical", "fund:370600:390100", "H2", -5_00),
]


def test_instruction_files_share_one_checksum_that_any_change_breaks() -> None:
    t = totals(LINES)
    assert (t.count, t.paid, t.refunded, t.net) == (3, 39885_60, 5_00, 39880_60)
    csv_text = to_csv("W1", LINES)
    assert csv_text.splitlines()[3].split(",")[3] == "hospital_to_payer"
    assert csv_text.splitlines()[-1] == f"SM3,{checksum('W1', LINES)}"
    assert to_json("W1", LINES)["checksum"]["value"] == checksum("W1", LINES)
    changed = [*LINES[:2], Instruction("W1", 3, "medical", "fund:370600:390100", "H2", -6_00)]
    assert checksum("W1", changed) != checksum("W1", LINES)


def test_transfer_journals_stay_in_their_ledger() -> None:
    fund = transfer_journal("W1", 2, "fund:370600:390100", "H1", 100, prefunded=False)
    assert fund.ledger == "medical"
    assert [(p.account.code, p.amount) for p in fund.postings] == [
        ("med:fund:370600:390100", 100), ("med:hospital:H1:390100", -100)]  # fmt: skip
    insurer = transfer_journal("W1", 1, "insurer:hmb", "H1", 100, prefunded=True)
    assert {p.account.ledger for p in insurer.postings} == {"commercial"}
    assert [p.account.code for p in insurer.postings] == [
        "com:insurer:hmb:payable",
        "com:hospital:H1:insurer:hmb",
        "com:insurer:hmb:funding",
        "com:insurer:hmb:reserve",
    ]
    with pytest.raises(ValueError):
        transfer_journal("W1", 1, "bank:x", "H1", 100, prefunded=False)
    with pytest.raises(UnbalancedJournal):
        type(fund)("X", "medical", "transfer", None, "", (*fund.postings, insurer.postings[0]))


def record(setl_id: str, total: int, reversal: bool = False, init: str | None = None) -> SettlementRecord:
    return SettlementRecord(setl_id, reversal, {"medfee_sumamt": total, "fund_pay_sumamt": total // 2,
                                                 "acct_pay": 0}, init)  # fmt: skip


def test_settlement_comparison_names_each_reason() -> None:
    ours = {"A": record("A", 100), "B": record("B", 200), "C": record("C", 300), "RC": record("RC", -300, True)}
    theirs = {"A": record("A", 100), "B": record("B", 201), "C": record("C", 300, reversal=True),
              "X": record("X", 50), "RX": record("RX", -100, True, "A")}  # fmt: skip
    found = {f.key: f.reason for f in compare_settlements(ours, theirs)}
    assert found == {"A": "matched", "B": "amount_differs", "C": "extra_reversal", "RC": "missing_reversal",
                     "X": "missing_at_platform", "RX": "extra_reversal"}  # fmt: skip
    assert compare_settlements({"A": record("A", 1)}, {})[0].reason == "missing_at_hospital"


def test_statement_line_comparison() -> None:
    found = {
        f.key: (f.reason, f.ours, f.theirs) for f in compare_lines({"a": 1, "b": 2, "c": 3}, {"a": 1, "b": 5, "d": 4})
    }
    assert found == {"a": ("matched", 1, 1), "b": ("amount_differs", 2, 5), "c": ("missing_at_insurer", 3, None),
                     "d": ("missing_at_platform", None, 4)}  # fmt: skip


def test_the_discrepancy_workflow() -> None:
    assert workflow.may_move("open", "investigating") and workflow.may_move("investigating", "written_off")
    assert workflow.may_move("open", "resolved")
    assert not workflow.may_move("resolved", "open") and not workflow.may_move("written_off", "investigating")
    assert not workflow.may_move("unknown", "open")
