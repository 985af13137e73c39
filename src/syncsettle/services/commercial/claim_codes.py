"""商保码 (一码通赔): issue, show, revoke and present a person's signed code for one product.

A person enrolled in a product, whose consent to the product's insurer for claims (``quick_claim``,
or the ``settlement`` consent) is in force, asks for a code (:func:`issue`): the platform draws a
fresh code id (the nonce, 80 random bits), signs ``{id, psn_no, product, issued, expires}`` with
its SM2 key (``keys.signer("platform")``, the key that signs consent receipts and slips) and stores
the code with status ``active``; the code they held before for that product is ``superseded``.

Presenting the code with a settlement id (:func:`present`) — at the window, where the hospital
scans it and sends it with the settlement, or afterwards by the person — claims that settlement's
commercial leg of the product through the quick-claim path (:func:`claims.settle_in`), in one
transaction with the record of the presentation. It is refused, with the reason in Chinese, when:

- the text is not a code, or its signature is not the platform's over its payload (tampered,
  forged, or re-signed with another key) — :mod:`syncsettle.domain.commercial.claim_code`;
- the platform has no such code id, or the code is revoked, superseded or expired (injected clock);
- the presenter is not the code's person (insured) or not the settlement's hospital (hospital);
- the settlement is not the code's person's (a code of A never claims B's settlement), or has no
  leg of the product waiting to be claimed;
- the person's consent to the insurer for claims is not in force (the release gate of every other
  release: the refusal is audited and committed).

It pays once: the claim's ``pending → settled`` transition carries the payout, and a presentation of
a settled claim returns that same claim (``replayed``) and books nothing — whichever valid code of the
person, and whoever presents it. A claim that cannot settle yet (the commercial side down) stays
pending, and a later presentation or the retry job settles it, still once.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from syncsettle.adapters.clock import CHINA, business_date
from syncsettle.adapters.crypto import Sm2PublicKey
from syncsettle.adapters.db.commercial import claim_codes as repo
from syncsettle.adapters.db.commercial import claims as claims_repo
from syncsettle.adapters.db.commercial import filings as filings_repo
from syncsettle.adapters.db.commercial.commercial import consent_in_force
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.db.settlement import settlements as settlements_repo
from syncsettle.domain.commercial import claim_code as rules
from syncsettle.domain.commercial import projections
from syncsettle.domain.commercial.claim_code import ClaimCode, CodeRefused, Refusal, Stored
from syncsettle.domain.commercial.vocabulary import Granularity
from syncsettle.domain.identity import Principal, Role
from syncsettle.services.commercial import claims
from syncsettle.services.commercial.consents import Refused, release_gate
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.management.audit import Action, Use, record
from syncsettle.services.platform import Platform

SIGNER = "platform"
DEFAULT_VALID_DAYS = rules.DEFAULT_VALID_DAYS
MAX_VALID_DAYS = rules.MAX_VALID_DAYS
CODE_TYPE = "syncsettle.claim_code.v1"
_REFUSAL_CODES = {  # the stable error code each refusal answers with
    Refusal.MALFORMED: Code.FIELD, Refusal.FORGED: Code.FIELD, Refusal.UNKNOWN: Code.NOT_FOUND,
    Refusal.REVOKED: Code.STATE, Refusal.SUPERSEDED: Code.STATE, Refusal.EXPIRED: Code.STATE,
    Refusal.NOT_YET: Code.STATE,
}  # fmt: skip


def _insured_only(actor: Principal) -> None:
    if actor.role is not Role.INSURED:
        raise ServiceError(Code.FORBIDDEN, "商保码只能由参保人本人生成、查看或撤销")


def _insurer_of(conn: Connection, enrollment: dict[str, Any]) -> str:
    insurer = enrollment.get("insurer_id") or filings_repo.product_owner(conn, enrollment["product_id"])
    if not insurer:
        raise ServiceError(Code.STATE, f"产品 {enrollment['product_id']} 没有备案的商保机构", "product_id")
    return str(insurer)


def _claim_consent(conn: Connection, psn_no: str, insurer_id: str, day: date) -> dict[str, Any] | None:
    """A consent of the person to the insurer for claims (at any granularity) in force on ``day``."""
    for purpose in claims.CLAIM_PURPOSES:
        found = consent_in_force(conn, psn_no, insurer_id, purpose.value, Granularity.RESULT, day)
        if found is not None:
            return found
    return None


def _end_of(day: date) -> datetime:
    """The instant ``day`` ends in Beijing (the next midnight), in UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), CHINA).astimezone(UTC)


def sign(p: Platform, code: ClaimCode) -> str:
    """The code's text: its payload signed with the platform's SM2 key."""
    return rules.encode(code, p.settings.keys.signer(SIGNER).sign(code.payload()))


def verifier(public: Sm2PublicKey) -> Any:
    """``verify(signature, payload)`` with the platform's public key (a bad DER is a failed check)."""

    def verify(signature: bytes, payload: bytes) -> bool:
        try:
            return public.verify(signature, payload)
        except (ValueError, TypeError):
            return False

    return verify


def issue(p: Platform, actor: Principal, product_id: str, *, valid_days: int | None = None) -> dict[str, Any]:
    """A new code for the person ``actor`` and ``product_id``, valid ``valid_days`` (default 30, at most
    366) and never past the enrollment's end or the claim consent's end (Beijing days); the previous
    active code of that product is superseded. Requires an active enrollment today and a claim
    consent in force today."""
    _insured_only(actor)
    days = DEFAULT_VALID_DAYS if valid_days is None else valid_days
    if not 1 <= days <= MAX_VALID_DAYS:
        raise ServiceError(Code.FIELD, f"商保码有效天数须在 1 至 {MAX_VALID_DAYS} 之间", "valid_days")
    now = p.clock.now()
    today = business_date(now)
    psn_no = actor.tenant
    with p.uow() as uow:
        conn = uow.conn
        enrolled = [e for e in people.active_enrollments(conn, psn_no, today) if e["product_id"] == product_id]
        if not enrolled:
            raise ServiceError(Code.STATE, f"您今日没有 {product_id} 的有效参保，不能生成该产品的商保码", "product_id")
        insurer_id = _insurer_of(conn, enrolled[0])
        consent = _claim_consent(conn, psn_no, insurer_id, today)
        if consent is None:
            raise ServiceError(Code.CONSENT, f"您尚未授权（或已撤回授权）{insurer_id} 办理快赔理赔，"
                               "请先授权再生成商保码", "product_id")  # fmt: skip
        issued = rules.whole_seconds(now)
        ends = min(issued + timedelta(days=days), _end_of(max(e["enddate"] for e in enrolled)),
                   _end_of(consent["enddate"]))  # fmt: skip
        code = ClaimCode(f"CC{secrets.token_hex(10).upper()}", psn_no, product_id, issued, ends)
        text = sign(p, code)
        repo.supersede(conn, psn_no, product_id, now, actor.label)
        row = {"code_id": code.code_id, "psn_no": psn_no, "product_id": product_id, "insurer_id": insurer_id,
               "issued_at": issued, "expires_at": ends, "status": "active", "code": text, "issued_by": actor.label,
               "revoked_at": None, "revoked_by": None}  # fmt: skip
        repo.add(conn, row)
        record(conn, now, Use(actor, Action.DECISION, "quick_claim", insurer_id, [code.code_id], [], psn_no=psn_no,
                              consent_id=consent["id"], reason="claim code issued"))  # fmt: skip
        uow.commit()
    return view(row)


def _own(conn: Connection, actor: Principal, code_id: str) -> dict[str, Any]:
    _insured_only(actor)
    row = repo.get(conn, code_id)
    if row is None:
        raise ServiceError(Code.NOT_FOUND, f"商保码 {code_id} 不存在", "code_id")
    if row["psn_no"] != actor.tenant:
        raise ServiceError(Code.FORBIDDEN, "只能查看或撤销本人的商保码")
    return row


def show(p: Platform, actor: Principal, code_id: str) -> dict[str, Any]:
    with p.uow(readonly=True) as uow:
        return view(_own(uow.conn, actor, code_id))


def mine(p: Platform, actor: Principal, *, active_only: bool = False) -> list[dict[str, Any]]:
    """The person's codes, newest first; an expired code still ``active`` shows ``expired: true``."""
    _insured_only(actor)
    now = p.clock.now()
    with p.uow(readonly=True) as uow:
        return [view(r, now) for r in repo.of_person(uow.conn, actor.tenant, active_only=active_only)]


def revoke(p: Platform, actor: Principal, code_id: str) -> dict[str, Any]:
    """Revoke at once: the next presentation of the code is refused (claims it already made stand)."""
    now = p.clock.now()
    with p.uow() as uow:
        row = _own(uow.conn, actor, code_id)
        if repo.revoke(uow.conn, code_id, now, actor.label) != 1:
            raise ServiceError(Code.STATE, f"商保码 {code_id} 已撤销或已被新码取代", "code_id")
        record(uow.conn, now, Use(actor, Action.DECISION, "quick_claim", row["insurer_id"], [code_id], [],
                                  psn_no=row["psn_no"], reason="claim code revoked"))  # fmt: skip
        uow.commit()
        return view(repo.get(uow.conn, code_id) or row)


def view(row: dict[str, Any], now: datetime | None = None) -> dict[str, Any]:
    """A code as its person sees it (times as ISO instants and in Beijing time)."""
    out = {
        "code_id": row["code_id"], "psn_no": row["psn_no"], "product_id": row["product_id"],
        "insurer_id": row["insurer_id"], "status": row["status"], "code": row["code"],
        "issued_at": row["issued_at"].isoformat(), "expires_at": row["expires_at"].isoformat(),
        "expires_beijing": rules.beijing(row["expires_at"]),
        "revoked_at": row["revoked_at"].isoformat() if row["revoked_at"] else None,
    }  # fmt: skip
    if now is not None:
        out["expired"] = now >= row["expires_at"]
    return out


def _refused(exc: CodeRefused) -> ServiceError:
    return ServiceError(_REFUSAL_CODES[exc.reason], str(exc), "code")


def verified(p: Platform, conn: Connection, text: str, now: datetime) -> dict[str, Any]:
    """The stored row of a presented code that passes every rule of the code itself (signature,
    registration, status, expiry); else the refusal as a :class:`ServiceError` with its reason."""
    try:
        code = rules.read(text, verifier(p.settings.keys.public(SIGNER)))
        row = repo.get(conn, code.code_id)
        stored = None if row is None else Stored(
            ClaimCode(row["code_id"], row["psn_no"], row["product_id"], row["issued_at"], row["expires_at"]),
            row["status"],
        )  # fmt: skip
        rules.judge(code, stored, now)
    except CodeRefused as exc:
        raise _refused(exc) from None
    assert row is not None
    return row


def _presenter_may(actor: Principal, code: dict[str, Any], settlement: dict[str, Any]) -> None:
    if actor.role is Role.INSURED:
        if actor.tenant != code["psn_no"]:
            raise ServiceError(Code.FORBIDDEN, "该商保码属于其他参保人，您不能出示", "code")
    elif actor.role is Role.HOSPITAL:
        if actor.tenant != settlement["fixmedins_code"]:
            raise ServiceError(Code.FORBIDDEN, f"结算 {settlement['setl_id']} 不是本机构的结算", "setl_id")
    else:
        raise ServiceError(Code.FORBIDDEN, "商保码只能由参保人本人或结算所在的定点医疗机构出示")
    if settlement["psn_no"] != code["psn_no"]:
        raise ServiceError(Code.FORBIDDEN, f"该商保码属于其他参保人，不能用于结算 {settlement['setl_id']}", "setl_id")


def _leg_claim(conn: Connection, settlement: dict[str, Any], product_id: str) -> dict[str, Any]:
    """The settlement's claim of ``product_id``, or why there is none to claim."""
    setl_id = settlement["setl_id"]
    found = [c for c in claims_repo.claims_where(conn, setl_id=setl_id) if c["product_id"] == product_id]
    if found:
        return found[0]
    legs = (settlement.get("output") or {}).get("commercial") or []
    paid = [leg for leg in legs if leg.get("product") == product_id and leg.get("status") == "settled"]
    if paid:
        raise ServiceError(Code.STATE, f"结算 {setl_id} 的 {product_id} 已在结算时直接赔付"
                           f"（{paid[0].get('payable', '')} 元），无需再凭商保码理赔", "setl_id")  # fmt: skip
    raise ServiceError(Code.STATE, f"结算 {setl_id} 没有 {product_id} 待理赔的商保责任", "setl_id")


_CLOSED = {
    "cancelled": "结算已撤销，其商保理赔随之取消",
    "held": "该笔商保理赔正在风控复核中，复核通过后自动赔付",
    "rejected": "该笔商保理赔已被复核拒绝",
}


def present(p: Platform, actor: Principal, text: str, setl_id: str) -> dict[str, Any]:
    """Claim settlement ``setl_id``'s leg of the code's product with code ``text``; returns
    ``{"claim", "code_id", "replayed"}`` (``replayed``: the claim had already settled — this
    presentation paid nothing). The checks are listed in the module's docstring."""
    now = p.clock.now()
    refusal: ServiceError | None = None
    with p.uow() as uow:
        conn = uow.conn
        code = verified(p, conn, text, now)
        settlement = settlements_repo.settlement(conn, setl_id)
        if settlement is None:
            raise ServiceError(Code.NOT_FOUND, f"结算 {setl_id} 不存在", "setl_id")
        _presenter_may(actor, code, settlement)
        claim = _leg_claim(conn, settlement, code["product_id"])
        # the locks a settlement of the claim takes (re-entered by claims.settle_in): whether this
        # presentation pays or finds the claim paid is decided under them, not on a stale read
        settlements_repo.lock_basic(conn, claim["psn_no"], claim["insutype"], claim["year"])
        settlements_repo.lock_products(conn, claim["psn_no"], claim["year"], [claim["product_id"]])
        claim = claims_repo.claim(conn, claim["claim_id"]) or claim
        if claim["status"] in _CLOSED:
            raise ServiceError(Code.STATE, f"结算 {setl_id}：{_CLOSED[claim['status']]}", "setl_id")
        replayed = claim["status"] == "settled"
        if not replayed:
            gate = release_gate(conn, now, actor, claim["psn_no"], claim["insurer_id"], claims.CLAIM_PURPOSES,
                                Granularity(claim["granularity"]), claim["setl_date"],
                                [setl_id, claim["claim_id"], code["code_id"]],
                                sorted(projections.FIELDS[Granularity(claim["granularity"])]))  # fmt: skip
            if isinstance(gate, Refused):
                uow.commit()  # the audited refusal stays on the record
                refusal = ServiceError(
                    Code.CONSENT,
                    f"参保人对 {claim['insurer_id']} 的理赔授权未生效或已撤回（{setl_id} 就诊日 "
                    f"{claim['setl_date']}），商保码不能发起理赔；请参保人授权后再出示",
                    "code",
                )  # fmt: skip
            else:
                claim = claims.settle_in(p, conn, claim["claim_id"], actor, now)
        if refusal is None:
            repo.presented(conn, code["code_id"], setl_id, claim["claim_id"], actor.label, now)
            uow.commit()
    if refusal is not None:
        raise refusal
    return {"claim": claims.public(claim), "code_id": code["code_id"], "replayed": replayed}


def window_code(exp_content: Any) -> str | None:
    """The 商保码 a settlement request carries in its extension field ``exp_content`` — an object
    ``{"claim_code": "SSC1.…"}`` or that object as a JSON string (HIS differ) — else ``None``."""
    if isinstance(exp_content, str) and exp_content.strip().startswith("{"):
        try:
            exp_content = json.loads(exp_content)
        except ValueError:
            return None
    if isinstance(exp_content, dict) and isinstance(exp_content.get("claim_code"), str):
        return str(exp_content["claim_code"]) or None
    return None


def at_window(p: Platform, actor: Principal, text: str, setl_id: str) -> dict[str, Any]:
    """The code scanned at the window, presented for the settlement the same request just made (its
    own transaction, after the settlement committed): what the HIS shows — the claim's status and
    payable, or the refusal. A refused code never undoes the settlement."""
    try:
        done = present(p, actor, text, setl_id)
    except ServiceError as exc:
        return {"status": "refused", "err_code": exc.code.value, "err_msg": exc.message}
    claim = done["claim"]
    return {"status": claim["status"], "claim_id": claim["claim_id"], "code_id": done["code_id"],
            "product_id": claim["product_id"], "payable": claim["payable"], "replayed": done["replayed"],
            "reason": claim["reason"]}  # fmt: skip
