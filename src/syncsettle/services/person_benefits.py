"""The person data behind the benefits beyond the pooled fund: read from a person import, linked and
revoked (家庭共济), and answered to the hospital (1101 ``idetinfo[]``, 5301 certifications).

**In a person import** (``admin.import_persons``, ``syncsettle persons import``), beside the base
data and ``insuinfo[]``:
- ``insuinfo[].cvlserv_flag``: ``"1"`` civil servant (公务员医疗补助) under that insutype, ``"0"`` not
  (1/0/true/false accepted); a person-level ``cvlserv_flag`` is the default of every row;
- ``idetinfo[]``: ``{psn_idet_type, psn_type_lv, memo, begntime|begndate, endtime|enddate}`` — the
  medical-assistance category as the national 人员身份 code
  (:data:`~syncsettle.domain.codes.PSN_IDET_TYPES`) or by name (``tekun``/``dibao``/``fanpin``); the
  case format's ``assistance_category`` (a code, or ``{category, begndate, enddate}``, with
  ``assistance_begndate``/``assistance_enddate``) is read too;
- ``certifications[]``: 门慢门特 certifications, a disease code or ``{opsp_dise_code|dise_codg,
  opsp_dise_name|dise_name, kind, begndate, enddate}``; ``kind`` (``chronic`` 门慢 / ``special`` 门特)
  may be left out when a shipped policy names the disease;
- ``family_accounts[]``: the 家庭共济 links that pay for this person, ``{psn_no (the account holder),
  begndate, enddate, consented, revoked}`` in link order (the case format's shape; its
  ``account_balance`` is the holder's own row and is not read here). Only a consented link is
  stored; the holder must have an employee (310) account, in the database or in the same import.

The identities and certifications of an imported person are replaced by the import; their links
only when the import lists ``family_accounts`` (links have their own life: ``family link`` /
``family revoke``).

Dates are business dates; ranges inclusive, an absent end open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from syncsettle.adapters.clock import business_date, national_time
from syncsettle.adapters.db.settlement import benefits as repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.codes import ASSISTANCE_IDET_TYPES, OPSP_KINDS, PSN_IDET_TYPES
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform

FAMILY_INSUTYPE = "310"  # 家庭共济: an employee's personal account pays


@dataclass(frozen=True)
class Benefits:
    """What one import item says about a person's benefits (``None``: the item does not say)."""

    identities: list[dict[str, Any]]
    certifications: list[dict[str, Any]]
    links: list[dict[str, Any]] | None


def civil_servant_flag(r: Reader, key: str = "cvlserv_flag", default: str = "0") -> str:
    raw = r.raw(key, required=False)
    if raw is None or raw == "":
        return default
    if raw in ("1", 1, True):
        return "1"
    if raw in ("0", 0, False):
        return "0"
    raise InvalidInput(r.at(key), f'must be "1" or "0", got {raw!r}')


def _day(r: Reader, *keys: str) -> date | None:
    """The first of ``keys`` given, as a date (a national ``yyyy-MM-dd HH:mm:ss`` time gives its day)."""
    for key in keys:
        raw = r.raw(key, required=False)
        if raw is None or raw == "":
            continue
        if not isinstance(raw, str):
            raise InvalidInput(r.at(key), f"must be a date YYYY-MM-DD, got {raw!r}")
        try:
            return date.fromisoformat(raw.strip()[:10])
        except ValueError:
            raise InvalidInput(r.at(key), f"must be a date YYYY-MM-DD, got {raw!r}") from None
    return None


def _range(r: Reader, begin: tuple[str, ...], end: tuple[str, ...]) -> tuple[date | None, date | None]:
    first, last = _day(r, *begin), _day(r, *end)
    if first and last and last < first:
        raise InvalidInput(r.at(end[0]), f"ends before it begins ({first.isoformat()})")
    return first, last


def _idet_type(r: Reader, key: str) -> str:
    value = r.req_text(key)
    code = ASSISTANCE_IDET_TYPES.get(value, value)
    if code not in PSN_IDET_TYPES:
        known = ", ".join([*PSN_IDET_TYPES, *ASSISTANCE_IDET_TYPES])
        raise InvalidInput(r.at(key), f"unknown 人员身份类别 {value!r} (known: {known})")
    return code


def _identities(r: Reader) -> list[dict[str, Any]]:
    found = []
    for i, item in enumerate(r.items("idetinfo", required=False)):
        sub = Reader(item, f"{r.at('idetinfo')}[{i}]")
        begin, end = _range(sub, ("begntime", "begndate"), ("endtime", "enddate"))
        found.append({"psn_idet_type": _idet_type(sub, "psn_idet_type"),
                      "psn_type_lv": sub.text("psn_type_lv", required=False),
                      "memo": sub.text("memo", required=False), "begndate": begin, "enddate": end})  # fmt: skip
    raw = r.raw("assistance_category", required=False)
    if raw is not None and raw != "none":
        if isinstance(raw, dict):
            sub = Reader(raw, r.at("assistance_category"))
            code = _idet_type(sub, "category")
            begin, end = _range(sub, ("begndate",), ("enddate",))
        else:
            code = _idet_type(r, "assistance_category")
            begin, end = _range(r, ("assistance_begndate",), ("assistance_enddate",))
        found.append({"psn_idet_type": code, "psn_type_lv": None, "memo": None, "begndate": begin, "enddate": end})
    return found


def disease_kind(p: Platform, code: str) -> tuple[str, str] | None:
    """(kind, name) of a 门慢门特 disease as the rulebook's policies name it, or None."""
    for policy in p.rules.policies.values():
        for version in policy.versions:
            od = version.outpatient_diseases
            for group in od.groups if od else ():
                if code in group.diseases:
                    return group.kind, group.diseases[code]
    return None


def _certifications(p: Platform, r: Reader) -> list[dict[str, Any]]:
    found = []
    for i, item in enumerate(r.items("certifications", required=False)):
        at = f"{r.at('certifications')}[{i}]"
        if isinstance(item, str):
            item = {"opsp_dise_code": item}
        sub = Reader(item, at)
        code = sub.text("opsp_dise_code", required=False) or sub.req_text("dise_codg")
        if len(code) > 30:
            raise InvalidInput(at, "opsp_dise_code: at most 30 characters")
        known = disease_kind(p, code)
        kind = sub.text("kind", required=False, codes=OPSP_KINDS) or (known[0] if known else None)
        if kind is None:
            raise InvalidInput(f"{at}.kind", f"{code} is in no policy's 门慢门特 list: give kind (chronic or special)")
        name = sub.text("opsp_dise_name", required=False) or sub.text("dise_name", required=False)
        begin, end = _range(sub, ("begndate",), ("enddate",))
        found.append({"opsp_dise_code": code, "opsp_dise_name": (name or (known[1] if known else ""))[:300],
                      "kind": kind, "begndate": begin, "enddate": end})  # fmt: skip
    return found


def _links(r: Reader, psn_no: str, now: datetime) -> list[dict[str, Any]] | None:
    if not r.has("family_accounts"):
        return None
    found = []
    for i, item in enumerate(r.items("family_accounts")):
        sub = Reader(item, f"{r.at('family_accounts')}[{i}]")
        holder = sub.req_text("psn_no")
        if holder == psn_no:
            raise InvalidInput(sub.at("psn_no"), "a person's own account is not a family account")
        begin, end = _range(sub, ("begndate",), ("enddate",))
        if not sub.flag("consented", default=True):
            continue  # no consent, no link: the holder never agreed to pay
        found.append({"holder_psn_no": holder, "begndate": begin or business_date(now), "enddate": end,
                      "consented_at": now, "revoked_at": now if sub.flag("revoked") else None,
                      "created_at": now})  # fmt: skip
    return found


def read_benefits(p: Platform, r: Reader, psn_no: str, now: datetime) -> Benefits:
    return Benefits(_identities(r), _certifications(p, r), _links(r, psn_no, now))


def store(conn: Any, psn_no: str, benefits: Benefits, *, replace: bool = True) -> None:
    """Write an imported person's benefits (after every person of the import is written).
    ``replace``: the person existed before, so what they had is replaced (a new person has nothing
    to delete: the import of a large population runs no statement for people without benefits)."""
    if replace or benefits.identities:
        repo.replace_identities(conn, psn_no, benefits.identities)
    if replace or benefits.certifications:
        repo.replace_certifications(conn, psn_no, benefits.certifications)
    if benefits.links is not None:
        for row in benefits.links:
            _check_holder(conn, row["holder_psn_no"])
        repo.replace_links_to(conn, psn_no, benefits.links)


def _check_holder(conn: Any, holder: str) -> None:
    if people.person(conn, holder) is None:
        raise ServiceError(Code.NOT_FOUND, f"家庭共济账户持有人 {holder} 不存在", "holder_psn_no")
    if people.insurance_row(conn, holder, FAMILY_INSUTYPE) is None:
        raise ServiceError(
            Code.NOT_INSURED, f"家庭共济账户持有人 {holder} 没有职工医保个人账户（310）", "holder_psn_no"
        )


# --- 家庭共济: link and revoke ------------------------------------------------------------------


def _link_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "link_id": row["id"], "holder_psn_no": row["holder_psn_no"], "psn_no": row["psn_no"],
        "begndate": row["begndate"].isoformat(), "enddate": row["enddate"].isoformat() if row["enddate"] else None,
        "consented_at": national_time(row["consented_at"]),
        "revoked_at": national_time(row["revoked_at"]) if row["revoked_at"] else None,
    }  # fmt: skip


def link(p: Platform, holder: str, psn_no: str, *, consent: bool, begin: date | None = None,
         end: date | None = None) -> dict[str, Any]:  # fmt: skip
    """Let ``holder``'s employee personal account pay ``psn_no``'s bills after their own account
    (家庭共济), from ``begin`` (today when not given) to ``end`` (open). Refused without the holder's
    consent, for oneself, and for a holder without an employee account."""
    if not consent:
        raise ServiceError(Code.FIELD, "家庭共济需账户持有人同意（--consent）", "consent")
    if holder == psn_no:
        raise ServiceError(Code.FIELD, "本人账户不是家庭共济账户", "psn_no")
    now = p.clock.now()
    begin = begin or business_date(now)
    if end is not None and end < begin:
        raise ServiceError(Code.FIELD, f"止期 {end} 早于起期 {begin}", "enddate")
    with p.uow() as uow:
        if people.person(uow.conn, psn_no) is None:
            raise ServiceError(Code.NOT_FOUND, f"人员编号 {psn_no} 不存在", "psn_no")
        _check_holder(uow.conn, holder)
        link_id = repo.add_link(uow.conn, {"holder_psn_no": holder, "psn_no": psn_no, "begndate": begin,
                                           "enddate": end, "consented_at": now, "created_at": now})  # fmt: skip
        row = repo.link(uow.conn, link_id)
        uow.commit()
    assert row is not None
    return _link_view(row)


def revoke(p: Platform, link_id: int) -> dict[str, Any]:
    """The holder withdraws consent: the link pays nothing from now on (settlements made before keep
    their payments; a reversal of one still gives the money back)."""
    with p.uow() as uow:
        if repo.revoke_link(uow.conn, link_id, p.clock.now()) != 1:
            found = repo.link(uow.conn, link_id)
            if found is None:
                raise ServiceError(Code.NOT_FOUND, f"家庭共济关系 {link_id} 不存在", "link_id")
            raise ServiceError(Code.STATE, f"家庭共济关系 {link_id} 已撤销", "link_id")
        row = repo.link(uow.conn, link_id)
        uow.commit()
    assert row is not None
    return _link_view(row)


def links(p: Platform, psn_no: str) -> list[dict[str, Any]]:
    """Every link paying for ``psn_no`` or paid from their account (revoked ones too)."""
    with p.uow(readonly=True) as uow:
        rows = repo.links_of(uow.conn, psn_no=psn_no) + repo.links_of(uow.conn, holder=psn_no)
    return [_link_view(r) for r in sorted(rows, key=lambda r: r["id"])]


# --- what the hospital is told (1101 idetinfo, 5301) ---------------------------------------------


def _time(day: date | None, end: bool) -> str | None:
    return None if day is None else f"{day.isoformat()} {'23:59:59' if end else '00:00:00'}"


def idetinfo(conn: Any, psn_no: str) -> list[dict[str, Any]]:
    """1101 ``idetinfo[]``: the person's 人员身份 rows (``begntime``/``endtime`` national times)."""
    return [
        {"psn_idet_type": r["psn_idet_type"], "psn_type_lv": r["psn_type_lv"] or "",
         "memo": r["memo"] or PSN_IDET_TYPES.get(r["psn_idet_type"], ""),
         "begntime": _time(r["begndate"], False), "endtime": _time(r["enddate"], True)}
        for r in repo.identities(conn, psn_no)
    ]  # fmt: skip


def certification_rows(conn: Any, psn_no: str) -> list[dict[str, Any]]:
    """5301 ``feedetail[]``: the person's 门慢门特 certifications (and their kind, 门慢/门特)."""
    return [
        {"opsp_dise_code": r["opsp_dise_code"], "opsp_dise_name": r["opsp_dise_name"],
         "begndate": r["begndate"].isoformat() if r["begndate"] else None,
         "enddate": r["enddate"].isoformat() if r["enddate"] else None,
         "kind": r["kind"], "kind_name": OPSP_KINDS.get(r["kind"], r["kind"])}
        for r in repo.certifications(conn, psn_no)
    ]  # fmt: skip
