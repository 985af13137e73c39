"""Insurer statement files: write CSV and XLSX (openpyxl), read back a returned statement in either.

Amounts are yuan strings with two decimals in both formats (XLSX cells hold text, never floats, so
a spreadsheet cannot round a fen away). A returned statement needs the key columns ``setl_id``,
``product_id``, ``resp_id`` and the insurer's ``payable``; other columns are ignored.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from openpyxl import Workbook, load_workbook

from syncsettle.domain.glossary import column_key

REQUIRED = ("setl_id", "product_id", "resp_id", "payable")


class StatementFileError(ValueError):
    """A returned statement that cannot be read; the message names the row and column."""


def _cells(columns: Sequence[str], rows: Sequence[dict[str, Any]]) -> list[list[str]]:
    return [[str(row[c]) if row[c] is not None else "" for c in columns] for row in rows]


def to_csv(columns: Sequence[str], rows: Sequence[dict[str, Any]], trailer: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(_cells(columns, rows))
    writer.writerow(trailer)
    return out.getvalue()


def write_xlsx(path: Path | BinaryIO, title: str, columns: Sequence[str], rows: Sequence[dict[str, Any]],
               trailer: Sequence[str], header: Sequence[str] | None = None) -> None:  # fmt: skip
    """Write the statement as a one-sheet workbook to a file path or a binary stream (a download);
    ``header``: the header row people read (default: the column names)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(list(header or columns))
    for cells in _cells(columns, rows):
        sheet.append(cells)
    sheet.append(list(trailer))
    book.save(path)


def read(path: Path) -> list[dict[str, str]]:
    """The rows of a returned statement (CSV or XLSX), header first; a ``TOTAL`` row is skipped."""
    if path.suffix.lower() == ".xlsx":
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        table = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        book.close()
    else:
        table = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    if not table:
        raise StatementFileError(f"{path}: empty")
    header = [column_key(h) for h in table[0]]  # the console's downloads carry Chinese headers
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise StatementFileError(f"{path}: header: missing column(s) {', '.join(missing)}")
    rows = []
    for values in table[1:]:
        if not values or values[0] == "TOTAL" or not any(values):
            continue
        rows.append(dict(zip(header, (v.strip() for v in values), strict=False)))
    return rows
