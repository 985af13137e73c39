"""Files people download from the console, made for the spreadsheet they open them in: CSV as UTF-8
with a byte-order mark (without it Excel reads UTF-8 as the local code page and shows 乱码) and
Chinese column headers (:data:`syncsettle.domain.glossary.COLUMNS`); the rows are unchanged."""

from __future__ import annotations

import csv
import io

from syncsettle.domain.glossary import COLUMNS

BOM = "\ufeff"
CSV = "text/csv; charset=utf-8"


def for_excel(text: str) -> bytes:
    """A machine CSV (header first) with its header row in Chinese and a BOM in front."""
    rows = list(csv.reader(text.splitlines()))
    if rows:
        rows[0] = [COLUMNS.get(h, h) for h in rows[0]]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return (BOM + out.getvalue()).encode("utf-8")
