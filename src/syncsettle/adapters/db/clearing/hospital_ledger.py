"""The platform's side of a hospital's reconciliation (3201/3202): its settlements in a scope, as
totals or as rows. Amounts in fen; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select

from syncsettle.adapters.db.core.schema import settlements
from syncsettle.domain.clearing.reconciliation import Scope


def _condition(scope: Scope) -> Any:
    cond = and_(
        settlements.c.fixmedins_code == scope.hospital,
        settlements.c.setl_date >= scope.begin,
        settlements.c.setl_date <= scope.end,
    )
    if scope.insutype is not None:
        cond = and_(cond, settlements.c.insutype == scope.insutype)
    if scope.clr_type is not None:
        cond = and_(cond, settlements.c.clr_type == scope.clr_type)
    return cond if scope.include_refunds else and_(cond, settlements.c.status == "settled")


def totals(conn: Connection, scope: Scope, fields: Sequence[str]) -> list[int]:
    """The sums of ``fields`` over the scope's settlements, then their count."""
    row = conn.execute(
        select(*(func.coalesce(func.sum(settlements.c[k]), 0) for k in fields), func.count()).where(_condition(scope))
    ).one()
    return [int(v) for v in row]


def rows(conn: Connection, scope: Scope, fields: Sequence[str]) -> list[dict[str, Any]]:
    """setl_id, status, reverses, msgid and ``fields`` of each settlement in scope."""
    found = conn.execute(
        select(settlements.c.setl_id, settlements.c.status, settlements.c.reverses, settlements.c.msgid,
               *(settlements.c[k] for k in fields)).where(_condition(scope))
    ).mappings()  # fmt: skip
    return [dict(r) for r in found]
