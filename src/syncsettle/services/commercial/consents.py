"""Consent (授权): a person allows one insurer to receive their data for one purpose, at most at one
granularity, for a period; revocable at any time, effective at the next use (every release reads
``consent_in_force`` in its own transaction).

Each grant comes with a *receipt*: the canonical JSON of what was agreed, signed by the platform
with SM2 (``keys.signer("platform")``). Anyone holding the platform's public key can check it
(:func:`verify_receipt`, ``POST /api/public/consent-receipts/verify``) without asking the platform.

:func:`release_gate` is the check every release makes — the settlement legs, quick claims,
underwriting and the insurer's enrollment view: the consent in force, or :class:`Refused` after an
audited refusal (the caller commits the refusal and releases nothing).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.crypto import Sm2PublicKey
from syncsettle.adapters.db.commercial import consents as repo
from syncsettle.adapters.db.commercial import enrollments, filings
from syncsettle.adapters.db.commercial.commercial import consent_in_force, consent_revoked
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.settings import KeyRing
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.domain.identity import Principal, Role
from syncsettle.domain.trust.canonical import canonical_json, instant
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.admission import admitted
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

RECEIPT_TYPE = "syncsettle.consent.v1"
MAX_PERIOD = timedelta(days=366 * 5)


def sign_receipt(keys: KeyRing, receipt: dict[str, Any]) -> str:
    return keys.signer("platform").sign(canonical_json(receipt)).hex()


def verify_receipt(public_key: Sm2PublicKey, receipt: Any, signature_hex: str) -> bool:
    """Whether ``signature_hex`` is the platform's SM2 signature of ``receipt`` (canonical JSON)."""
    try:
        return isinstance(receipt, dict) and public_key.verify(bytes.fromhex(signature_hex), canonical_json(receipt))
    except (ValueError, TypeError):
        return False


def grant_in(
    conn: Connection, p: Platform, actor: Principal, psn_no: str, insurer_id: str, purpose: Purpose,
    granularity: Granularity, begndate: date, enddate: date,
) -> dict[str, Any]:  # fmt: skip
    """Grant inside the caller's transaction (the one-click enrollment grants with the enrollment).
    ``actor`` is the person, or the family member enrolling them (named in the receipt)."""
    if actor.role is not Role.INSURED:
        raise ServiceError(Code.FORBIDDEN, "授权只能由参保人本人（或为家庭成员投保的本人）作出")
    if enddate < begndate or enddate - begndate > MAX_PERIOD:
        raise ServiceError(Code.FIELD, "授权期间须为 begndate 至 enddate，且不超过 5 年", "enddate")
    insurer = admitted(conn, insurer_id)
    if people.person(conn, psn_no) is None:
        raise ServiceError(Code.NOT_FOUND, f"人员编号 {psn_no} 不存在", "psn_no")
    now = p.clock.now()
    consent_id = f"CS{uuid.uuid4().hex[:20].upper()}"
    receipt = {
        "type": RECEIPT_TYPE, "consent_id": consent_id, "psn_no": psn_no, "insurer_id": insurer_id,
        "insurer_name": insurer["name"], "purpose": purpose.value, "granularity": granularity.value,
        "begndate": begndate.isoformat(), "enddate": enddate.isoformat(), "granted_at": instant(now),
        "granted_by": actor.label, "platform_key": p.settings.keys.public("platform").to_hex(),
    }  # fmt: skip
    row = {"id": consent_id, "psn_no": psn_no, "insurer_id": insurer_id, "purpose": purpose.value,
           "granularity": granularity.value, "begndate": begndate, "enddate": enddate, "granted_at": now,
           "revoked_at": None, "receipt": receipt, "signature": sign_receipt(p.settings.keys, receipt)}  # fmt: skip
    repo.add(conn, row)
    record(conn, now, Use(actor, Action.DECISION, purpose.value, insurer_id, [consent_id], [], psn_no=psn_no,
                          consent_id=consent_id, granularity=granularity.value, reason="consent granted"))  # fmt: skip
    return row


def grant(
    p: Platform, actor: Principal, insurer_id: str, purpose: Purpose, granularity: Granularity,
    begndate: date, enddate: date,
) -> dict[str, Any]:  # fmt: skip
    """The insured person ``actor`` grants ``insurer_id`` a consent; returns it with its signed receipt."""
    with p.uow() as uow:
        row = grant_in(uow.conn, p, actor, actor.tenant, insurer_id, purpose, granularity, begndate, enddate)
        uow.commit()
    return row


def _own(conn: Connection, actor: Principal, consent_id: str) -> dict[str, Any]:
    row = repo.get(conn, consent_id)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"授权 {consent_id} 不存在", "consent_id")
    if actor.role is not Role.INSURED or actor.tenant != row["psn_no"]:
        raise ServiceError(Code.FORBIDDEN, "只能查看或撤回本人的授权")
    return row


def revoke(p: Platform, actor: Principal, consent_id: str) -> dict[str, Any]:
    """Revoke at once: the next release for this insurer and purpose finds no consent."""
    now = p.clock.now()
    with p.uow() as uow:
        row = _own(uow.conn, actor, consent_id)
        if repo.revoke(uow.conn, consent_id, now) != 1:
            raise ServiceError(Code.STATE, f"授权 {consent_id} 已撤回", "consent_id")
        record(uow.conn, now, Use(actor, Action.DECISION, row["purpose"], row["insurer_id"], [consent_id], [],
                                  psn_no=row["psn_no"], consent_id=consent_id, granularity=row["granularity"],
                                  reason="consent revoked"))  # fmt: skip
        uow.commit()
    return {**row, "revoked_at": now}


def receipt(p: Platform, actor: Principal, consent_id: str) -> dict[str, Any]:
    """The signed receipt of one of the person's consents, with the key to check it."""
    with p.uow(readonly=True) as uow:
        row = _own(uow.conn, actor, consent_id)
    return {"receipt": row["receipt"], "signature": row["signature"], "algorithm": "SM2-with-SM3, DER, hex",
            "public_key": p.settings.keys.public("platform").to_hex()}  # fmt: skip


def mine(p: Platform, actor: Principal) -> list[dict[str, Any]]:
    with p.uow(readonly=True) as uow:
        return repo.of_person(uow.conn, actor.tenant)


def grantable(p: Platform, actor: Principal) -> list[dict[str, Any]]:
    """The insurers the person may grant a consent to — those admitted on the platform (the check
    :func:`grant_in` makes) — as ``{insurer_id, name, holds}``, the ones whose products the person
    holds or pays for (``holds``) first. Nothing about the person leaves: it is their own list."""
    if actor.role is not Role.INSURED:
        raise ServiceError(Code.FORBIDDEN, "仅限参保人本人")
    with p.uow(readonly=True) as uow:
        held = {e["insurer_id"] for e in enrollments.of_person(uow.conn, actor.tenant)}
        rows = [r for r in filings.all_insurers(uow.conn) if r["status"] == "admitted"]
    out = [{"insurer_id": r["insurer_id"], "name": r["name"], "holds": r["insurer_id"] in held} for r in rows]
    return sorted(out, key=lambda r: (not r["holds"], r["insurer_id"]))


@dataclass(frozen=True, slots=True)
class Refused:
    """No consent in force for a release: ``code`` is ``consent_revoked`` when one covering the day was
    revoked, else ``consent_missing`` (the pending-leg reasons of the same names)."""

    code: str
    reason: str


def release_gate(
    conn: Connection, at: datetime, actor: Principal, psn_no: str, insurer_id: str,
    purposes: Purpose | Sequence[Purpose], granularity: Granularity, day: date, record_ids: list[str],
    fields: list[str], *, audit: bool = True,
) -> dict[str, Any] | Refused:  # fmt: skip
    """The check every release makes: the consent allowing it (the first of ``purposes``, in order of
    preference, with one in force at ``granularity`` or richer on ``day``), or :class:`Refused` after
    recording an audited refusal — then the caller releases nothing and commits, so the refusal
    stays on the record. ``audit=False`` only for a quote, which releases nothing either way."""
    wanted = (purposes,) if isinstance(purposes, Purpose) else tuple(purposes)
    for purpose in wanted:
        consent = consent_in_force(conn, psn_no, insurer_id, purpose.value, granularity, day)
        if consent is not None:
            return consent
    names = [p.value for p in wanted]
    code = "consent_revoked" if consent_revoked(conn, psn_no, insurer_id, names, day) else "consent_missing"
    why = f"{code}: no {'/'.join(names)} consent at {granularity.value} in force on {day}"
    if audit:
        record(conn, at, Use(actor, Action.REFUSAL, names[0], insurer_id, record_ids, fields, psn_no=psn_no,
                             granularity=granularity.value, outcome="refused", reason=why))  # fmt: skip
    return Refused(code, why)
