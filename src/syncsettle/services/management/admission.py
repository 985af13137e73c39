"""Insurer admission and exit (准入/退出), decided by the regulator.

A regulator admits an insurer to the platform within its own scope: the insurer's ``region`` is
the regulator's region (or a region inside it), and the insurer's filings must lie inside that
region. Exit stops the insurer: every filing of it that could still settle or sell is exited
with the same reason (recorded as a ``force_exit`` event), so no settlement uses its products.
Every decision is audited.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.db.commercial import filings as repo
from syncsettle.domain.commercial.lifecycle import STEPS, FilingAction
from syncsettle.domain.commercial.vocabulary import FilingStatus
from syncsettle.domain.identity import ALL, Principal, Role, region_covers
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

_INSURER_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")


def _regulator(actor: Principal) -> None:
    if actor.role is not Role.REGULATOR:
        raise ServiceError(Code.FORBIDDEN, "商保机构准入/退出只能由医保部门决定")


def _decision(conn: Connection, at: datetime, actor: Principal, insurer_id: str, reason: str) -> None:
    record(conn, at, Use(actor, Action.DECISION, "admission", insurer_id, [f"insurer:{insurer_id}"], [], reason=reason))


def admit(
    p: Platform, actor: Principal, insurer_id: str, name: str, region: str | None = None, reason: str = ""
) -> None:
    """Admit (or re-admit after an exit) ``insurer_id`` in ``region`` (default: the regulator's own)."""
    _regulator(actor)
    if not _INSURER_ID.match(insurer_id):
        raise ServiceError(Code.FIELD, "商保机构编号为 2-40 位小写字母、数字或 -", "insurer_id")
    if not name.strip():
        raise ServiceError(Code.FIELD, "请填写商保机构名称", "name")
    region = region or actor.tenant
    if region == ALL or len(region) != 6 or not region.isdigit():
        raise ServiceError(Code.FIELD, "准入区域必须是 6 位区划代码", "region")
    if not region_covers(actor.tenant, region):
        raise ServiceError(Code.FORBIDDEN, f"无权在区域 {region} 准入商保机构")
    now = p.clock.now()
    with p.uow() as uow:
        existing = repo.insurer(uow.conn, insurer_id)
        if existing is not None and existing["status"] == "admitted":
            raise ServiceError(Code.DUPLICATE, f"商保机构 {insurer_id} 已准入", "insurer_id")
        if existing is not None and not actor.owns(existing["region"] or region):
            raise ServiceError(Code.FORBIDDEN, f"商保机构 {insurer_id} 不在本部门辖区")
        values = {"name": name, "status": "admitted", "region": region, "admitted_at": now, "exited_at": None,
                  "reason": reason}  # fmt: skip
        if existing is None:
            repo.add_insurer(uow.conn, {"insurer_id": insurer_id, "created_at": now, **values})
        else:
            repo.update_insurer(uow.conn, insurer_id, **values)
        _decision(uow.conn, now, actor, insurer_id, f"admit {region}: {reason}".strip())
        uow.commit()


def exit_insurer(p: Platform, actor: Principal, insurer_id: str, reason: str) -> list[int]:
    """Make an admitted insurer exit; returns the ids of the filings exited with it."""
    _regulator(actor)
    if not reason.strip():
        raise ServiceError(Code.FIELD, "退出必须说明理由", "reason")
    now = p.clock.now()
    live = tuple(s.value for s in STEPS[FilingAction.FORCE_EXIT].sources)
    with p.uow() as uow:
        row = repo.insurer(uow.conn, insurer_id)
        if row is None:
            raise ServiceError(Code.NOT_FOUND, f"商保机构 {insurer_id} 不存在", "insurer_id")
        if not actor.owns(row["region"] or ""):
            raise ServiceError(Code.FORBIDDEN, f"商保机构 {insurer_id} 不在本部门辖区")
        if row["status"] != "admitted":
            raise ServiceError(Code.STATE, f"商保机构 {insurer_id} 已退出", "insurer_id")
        repo.update_insurer(uow.conn, insurer_id, status="exited", exited_at=now, reason=reason)
        exited = []
        for filing in repo.filings(uow.conn, insurer_id=insurer_id, statuses=live):
            why = f"商保机构退出：{reason}"
            repo.move(
                uow.conn, filing, FilingStatus.EXITED.value, (actor.role.value, actor.tenant), why, now, reason=why
            )
            exited.append(int(filing["id"]))
        _decision(uow.conn, now, actor, insurer_id, f"exit: {reason}")
        uow.commit()
    return exited


def admitted(conn: Connection, insurer_id: str) -> dict[str, Any]:
    """The insurer's row if it is admitted, else ``ServiceError`` (used before any insurer step)."""
    row = repo.insurer(conn, insurer_id)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"商保机构 {insurer_id} 未准入", "insurer_id")
    if row["status"] != "admitted":
        raise ServiceError(Code.STATE, f"商保机构 {insurer_id} 已退出平台", "insurer_id")
    return row


def listing(p: Platform, actor: Principal) -> list[dict[str, Any]]:
    """Insurers a regulator (its region) or the operator (all) may see."""
    with p.uow(readonly=True) as uow:
        rows = repo.all_insurers(uow.conn)
    return [r for r in rows if actor.owns(r["region"] or ALL)]
