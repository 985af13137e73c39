"""Administration use cases: hospitals and their credentials, person import, enrollments, rule versions."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.credentials import issue_secret
from syncsettle.adapters.db.commercial import enrollments as enrollments_repo
from syncsettle.adapters.db.commercial import filings as filings_repo
from syncsettle.adapters.db.management import rule_versions as rule_repo
from syncsettle.adapters.db.settlement import gateway as gateway_repo
from syncsettle.adapters.db.settlement import people
from syncsettle.adapters.gateway_tokens import seal_token
from syncsettle.adapters.json_reader import Reader
from syncsettle.adapters.rulebook import Rulebook, RuleFileError, parse_rule_data
from syncsettle.domain.codes import HOSPITAL_LEVELS, INSUTYPES, PSN_TYPES
from syncsettle.domain.rules.catalogue import Catalogue
from syncsettle.services import person_benefits
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.platform import Platform


def add_hospital(p: Platform, code: str, name: str, level: str, region: str) -> str:
    """Register a hospital; returns the secret (shown once). Its SHA-256 is kept for the Bearer path and,
    SM4-GCM sealed, the secret itself for the national gateway's ``x-tif-signature`` (:mod:`gateway_tokens`)."""
    if level not in HOSPITAL_LEVELS:
        raise ServiceError(Code.FIELD, f"unknown hospital level {level!r}", "level")
    if len(region) != 6 or not region.isdigit():
        raise ServiceError(Code.FIELD, "region must be a 6-digit code", "region")
    secret, digest = issue_secret()
    with p.uow() as uow:
        if uow.hospitals.exists(code):
            raise ServiceError(Code.DUPLICATE, f"hospital {code} already exists", "code")
        people.add_hospital(
            uow.conn,
            {"fixmedins_code": code, "fixmedins_name": name, "hosp_lv": level, "admdvs": region,
             "secret_hash": digest, "created_at": p.clock.now(),
             "secret_sealed": seal_token(p.settings.keys.sm4("pii"), code, secret)},
        )  # fmt: skip
        uow.commit()
    return secret


REVOKED = "revoked"  # a secret_hash no SHA-256 hex can equal: the hospital's credential is gone


def rotate_hospital_secret(p: Platform, code: str) -> str:
    """Issue the hospital a new secret (shown once); the old one stops working at once, on both the
    Bearer and the gateway path (credentials are read on every request, never cached)."""
    secret, digest = issue_secret()
    with p.uow() as uow:
        changed = gateway_repo.set_hospital_gateway(
            uow.conn, code, secret_hash=digest, secret_sealed=seal_token(p.settings.keys.sm4("pii"), code, secret)
        )
        if changed != 1:
            raise ServiceError(Code.NOT_FOUND, f"机构 {code} 不存在", "code")
        uow.commit()
    return secret


def revoke_hospital(p: Platform, code: str) -> None:
    """Withdraw the hospital's credential: every later request is refused until a rotation issues a new one."""
    with p.uow() as uow:
        if gateway_repo.set_hospital_gateway(uow.conn, code, secret_hash=REVOKED, secret_sealed=None) != 1:
            raise ServiceError(Code.NOT_FOUND, f"机构 {code} 不存在", "code")
        uow.commit()


def _person_rows(
    p: Platform, item: Any, index: int, now: Any
) -> tuple[dict[str, Any], list[dict[str, Any]], person_benefits.Benefits]:
    r = Reader(item, f"persons[{index}]")
    region = r.region("insuplc_admdvs")
    brdy = r.day("brdy")
    person = {
        "psn_no": r.req_text("psn_no"),
        "psn_name": r.req_text("psn_name"),
        "psn_cert_type": r.text("psn_cert_type", required=False) or "01",
        "certno": r.req_text("certno"),
        "gend": r.req_text("gend", codes={"1": "男", "2": "女", "9": "未说明"}),
        "brdy": brdy,
        "naty": r.text("naty", required=False),
        "insuplc_admdvs": region,
        "created_at": now,
    }
    rows = []
    civil_servant = person_benefits.civil_servant_flag(r)
    for j, ins in enumerate(r.items("insuinfo")):
        ir = Reader(ins, f"{r.at('insuinfo')}[{j}]")
        cross = ins.get("cross_region") if isinstance(ins, dict) else None
        rows.append(
            {
                "psn_no": person["psn_no"],
                "insutype": ir.req_text("insutype", codes=INSUTYPES),
                "psn_type": ir.req_text("psn_type", codes=PSN_TYPES),
                "insuplc_admdvs": ir.region("insuplc_admdvs") if ir.has("insuplc_admdvs") else region,
                "psn_insu_stas": ir.text("psn_insu_stas", required=False) or "1",
                "psn_insu_date": ir.day("psn_insu_date", required=False) or date(2000, 1, 1),
                "balc": ir.yuan("balc"),
                "cross_region": cross,
                "cvlserv_flag": person_benefits.civil_servant_flag(ir, default=civil_servant),
            }
        )
    return person, rows, person_benefits.read_benefits(p, r, person["psn_no"], now)


def import_persons(p: Platform, items: list[Any]) -> int:
    """Insert or replace persons with their insurance rows and benefit data (assistance identities,
    civil-servant flag, 门慢门特 certifications, 家庭共济 links: :mod:`.person_benefits`), one transaction
    for the whole file; names and certificate numbers are sealed on the way in (``Platform.pii``)."""
    now = p.clock.now()
    parsed = [_person_rows(p, item, i, now) for i, item in enumerate(items)]
    with p.uow() as uow:
        existed = [people.upsert_person(uow.conn, p.pii.seal(person), rows) for person, rows, _ in parsed]
        for (person, _, benefits), known in zip(parsed, existed, strict=True):
            # after every person is written: a link may name a holder of the same file
            person_benefits.store(uow.conn, person["psn_no"], benefits, replace=known)
        uow.commit()
    return len(parsed)


def enroll(p: Platform, psn_no: str, product_id: str, begin: date, end: date, **facts: Any) -> int:
    """Record an enrollment directly (the commercial centre's enrollment flow builds on this). One
    active enrollment per person and product at any day: a period overlapping an active one is
    refused (checked under the person's row lock, so two concurrent requests cannot both pass) —
    two would give the person two legs of one product in every settlement."""
    if end < begin:
        raise ServiceError(Code.FIELD, f"参保止期 {end} 早于起期 {begin}", "enddate")
    with p.uow() as uow:
        if product_id not in p.rules.products and filings_repo.product_owner(uow.conn, product_id) is None:
            raise ServiceError(Code.NOT_FOUND, f"unknown product {product_id}", "product_id")
        if people.person(uow.conn, psn_no) is None:
            raise ServiceError(Code.NOT_FOUND, f"unknown person {psn_no}", "psn_no")
        enrollments_repo.lock_persons(uow.conn, [psn_no])
        if enrollments_repo.overlapping(uow.conn, psn_no, product_id, begin, end):
            raise ServiceError(
                Code.DUPLICATE,
                f"{psn_no} 在 {begin} 至 {end} 期间已有 {product_id} 的有效参保，参保期间不得重叠",
                "begndate",
            )
        eid = people.add_enrollment(
            uow.conn,
            {"psn_no": psn_no, "product_id": product_id, "begndate": begin, "enddate": end, "status": "active",
             "pre_existing": facts.get("pre_existing", False), "enrolled_years": facts.get("enrolled_years", 1),
             "claim_free_years": facts.get("claim_free_years", 0),
             "claimed_last_year": facts.get("claimed_last_year", False)},
        )  # fmt: skip
        uow.commit()
    return eid


def load_rules(p: Platform, documents: list[tuple[str, dict[str, Any]]]) -> int:
    """Store validated rule files as rule versions; returns how many versions were stored.

    Policies, products and risk sets keep their own version numbers: an identical version is
    skipped, a changed one under the same id and version number is refused. A catalogue
    (就医地目录, kind ``catalogue``, keyed by its treatment region) has no versions of its own: a
    catalogue whose content differs from the region's latest stored one becomes the region's next
    version (1, 2, …), effective from today's business date (China time); an identical one is skipped.

    Every document is validated before anything is stored, and all are stored in one transaction:
    a file that cannot be loaded raises :class:`RuleFileError` (file, field, reason) and nothing is
    stored."""
    now = p.clock.now()
    parsed = [(source, data, parse_rule_data(data, source)) for source, data in documents]
    seen: dict[tuple[str, str], str] = {}
    for source, _, item in parsed:
        key = ("catalogue", item.region) if isinstance(item, Catalogue) else (item.kind, item.id)
        if key in seen:
            raise RuleFileError(source, "region" if key[0] == "catalogue" else "id",
                                f"{key[1]} is also defined in {seen[key]}")  # fmt: skip
        seen[key] = source
    stored = 0
    with p.uow() as uow:
        for source, data, item in parsed:
            content = json.loads(json.dumps(data, default=str))
            digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()
            if isinstance(item, Catalogue):
                stored += _store_catalogue(uow.conn, item.region, content, digest, now)
                continue
            kind = item.kind
            for version in item.versions:
                existing = rule_repo.digest_of(uow.conn, kind, item.id, version.version)
                if existing == digest:
                    continue
                if existing is not None:
                    raise RuleFileError(
                        source, "versions", f"{item.id} v{version.version} is already loaded with other content"
                    )
                rule_repo.add(
                    uow.conn,
                    {"kind": kind, "rule_id": item.id, "version": version.version,
                     "effective_from": version.effective_from, "effective_to": version.effective_to,
                     "content": content, "sha256": digest, "loaded_at": now},
                )  # fmt: skip
                stored += 1
        uow.commit()
    return stored


def _store_catalogue(conn: Any, region: str, content: dict[str, Any], digest: str, now: datetime) -> int:
    """Store a region's catalogue as its next version unless its latest stored one is identical."""
    latest = rule_repo.latest_catalogue(conn, region)
    if latest is not None and latest[1] == digest:
        return 0
    rule_repo.add(
        conn,
        {"kind": "catalogue", "rule_id": region, "version": (latest[0] + 1) if latest else 1,
         "effective_from": business_date(now), "effective_to": None,
         "content": content, "sha256": digest, "loaded_at": now},
    )  # fmt: skip
    return 1


def stored_rulebook(p: Platform, base: Rulebook) -> Rulebook:
    """The shipped rules plus every rule file loaded into the database (latest content per id)."""
    book = Rulebook(dict(base.policies), dict(base.products), dict(base.catalogues), dict(base.risk))
    with p.uow() as uow:
        rows = rule_repo.every_version(uow.conn)
    for row in rows:
        item = parse_rule_data(row["content"], f"rule_versions/{row['rule_id']}")
        if isinstance(item, Catalogue):  # a loaded catalogue replaces the region's shipped one
            book.catalogues[item.region] = item
            continue
        targets: dict[str, dict[str, Any]] = {"policy": book.policies, "product": book.products, "risk": book.risk}
        target = targets[row["kind"]]
        target[item.id] = item
    return book
