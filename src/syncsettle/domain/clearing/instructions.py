"""Payment-instruction files (pure): one line per transfer, totals, and an SM3 checksum.

Both formats carry the same checksum: SM3 over the canonical CSV body (header, transfer lines and
the totals line, UTF-8, ``\\n`` line ends), so a bank or counterparty can check either file against
the figure the platform stored when it cleared the window. Amounts are yuan with two decimals;
``direction`` says who pays (``payer_to_hospital``, or ``hospital_to_payer`` when reversals in the
window exceed its settlements for that payer and hospital).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from syncsettle.domain.clearing.transfers import accounts_of
from syncsettle.domain.trust.hashing import sm3
from syncsettle.money import format_yuan

HEADER = ("window_id", "seq", "ledger", "direction", "payer", "payer_account", "hospital", "hospital_account",
          "amount")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Instruction:
    window_id: str
    seq: int
    ledger: str
    payer: str
    hospital: str
    amount: int  # signed fen: > 0 the payer pays the hospital, < 0 the hospital pays the payer back

    @property
    def direction(self) -> str:
        return "payer_to_hospital" if self.amount > 0 else "hospital_to_payer"

    def row(self) -> tuple[str, ...]:
        payer_account, hospital_account = accounts_of(self.payer, self.hospital)
        return (self.window_id, str(self.seq), self.ledger, self.direction, self.payer, payer_account.code,
                self.hospital, hospital_account.code, format_yuan(abs(self.amount)))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Totals:
    count: int
    paid: int  # fen, payer → hospital
    refunded: int  # fen, hospital → payer

    @property
    def net(self) -> int:
        return self.paid - self.refunded


def totals(lines: Sequence[Instruction]) -> Totals:
    return Totals(
        len(lines), sum(i.amount for i in lines if i.amount > 0), -sum(i.amount for i in lines if i.amount < 0)
    )


def _csv(rows: Sequence[Sequence[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    return out.getvalue()


def canonical_body(window_id: str, lines: Sequence[Instruction]) -> str:
    t = totals(lines)
    trailer = ("TOTAL", window_id, str(t.count), "paid", format_yuan(t.paid), "refunded", format_yuan(t.refunded),
               "net", format_yuan(t.net))  # fmt: skip
    return _csv([HEADER, *(i.row() for i in lines), trailer])


def checksum(window_id: str, lines: Sequence[Instruction]) -> str:
    """SM3 (hex) of the canonical CSV body."""
    return sm3(canonical_body(window_id, lines).encode("utf-8")).hex()


def to_csv(window_id: str, lines: Sequence[Instruction]) -> str:
    body = canonical_body(window_id, lines)
    return body + _csv([("SM3", sm3(body.encode("utf-8")).hex())])


def to_json(window_id: str, lines: Sequence[Instruction]) -> dict[str, Any]:
    t = totals(lines)
    return {
        "window_id": window_id,
        "instructions": [dict(zip(HEADER, i.row(), strict=True)) | {"seq": i.seq} for i in lines],
        "totals": {
            "count": t.count,
            "paid": format_yuan(t.paid),
            "refunded": format_yuan(t.refunded),
            "net": format_yuan(t.net),
        },
        "checksum": {"algorithm": "SM3", "over": "canonical CSV body", "value": checksum(window_id, lines)},
    }
