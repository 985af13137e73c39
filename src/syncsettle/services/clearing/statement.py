"""Insurer monthly statements (one line per settlement line: the visit, the amounts per
responsibility, the route) and the reconciliation of a statement the insurer sends back.

A statement covers the settlements and reversals of the month (business date, China time) that
carry a commercial line of the insurer; reversals appear as their own negated lines. The fields
are the insurer's own adjudication results and the identifiers it needs to match them (settlement,
visit, person number, hospital) — no bill detail and no medical-insurance amounts leave the domain
through it (:data:`syncsettle.adapters.db.commercial.commercial_lines.STATEMENT_COLUMNS`).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from syncsettle.adapters.db.commercial import commercial_lines as repo
from syncsettle.domain.clearing.reconciliation import compare_lines, mismatches
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.clearing.discrepancies import record_findings
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

AMOUNTS = ("base", "deductible", "payable")


@dataclass(frozen=True, slots=True)
class Statement:
    insurer: str
    month: str
    columns: tuple[str, ...]
    lines: list[dict[str, Any]]  # amounts as yuan strings, dates ISO
    payable: int  # fen

    @property
    def trailer(self) -> list[str]:
        return ["TOTAL", self.insurer, self.month, str(len(self.lines)), "payable", format_yuan(self.payable)]


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(part) for part in month.split("-"))
        first = date(year, mon, 1)
    except ValueError:
        raise ServiceError(Code.FIELD, f"月份须为 YYYY-MM，而不是 {month!r}", "month") from None
    return first, date(year, mon, calendar.monthrange(year, mon)[1])


def _period_lines(p: Platform, insurer: str, month: str,
                  progress: Callable[[int], None] | None) -> list[dict[str, Any]]:  # fmt: skip
    begin, end = month_range(month)
    with p.uow() as uow:
        repo.fill(uow.conn, begin, end, progress)
        rows = repo.statement(uow.conn, insurer, begin, end)
        uow.commit()
    return rows


def statement(p: Platform, insurer: str, month: str, progress: Callable[[int], None] | None = None) -> Statement:
    rows = _period_lines(p, insurer, month, progress)
    lines = [
        {k: (format_yuan(int(v)) if k in AMOUNTS else v.isoformat() if isinstance(v, date) else v)
         for k, v in row.items()}
        for row in rows
    ]  # fmt: skip
    return Statement(insurer, month, repo.STATEMENT_COLUMNS, lines, sum(int(r["payable"]) for r in rows))


def reconcile(p: Platform, insurer: str, month: str, returned: list[dict[str, str]]) -> dict[str, Any]:
    """Compare the insurer's returned statement (rows with setl_id, product_id, resp_id, payable)
    with the platform's lines; each difference becomes a tracked discrepancy."""
    theirs: dict[str, int] = {}
    for i, row in enumerate(returned):
        try:
            theirs[repo.line_key(row["setl_id"], row["product_id"], row["resp_id"])] = parse_yuan(
                row["payable"], allow_negative=True
            )
        except (KeyError, ValueError) as exc:
            raise ServiceError(Code.FIELD, f"第 {i + 2} 行无法读取：{exc}", f"rows[{i}].payable") from None
    ours = {repo.line_key(r["setl_id"], r["product_id"], r["resp_id"]): int(r["payable"])
            for r in _period_lines(p, insurer, month, None)}  # fmt: skip
    findings = compare_lines(ours, theirs)
    with p.uow() as uow:
        differing = record_findings(uow.conn, "insurer", insurer, month, findings, p.clock.now())
        uow.commit()
    return {
        "insurer": insurer,
        "month": month,
        "lines": len(findings),
        "matched": len(findings) - differing,
        "mismatched": differing,
        "differences": [{"line": f.key, "reason": f.reason, "detail": f.detail} for f in mismatches(findings)],
    }
