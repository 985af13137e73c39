"""Dual platform with two real server processes on loopback: the medical-insurance service and
``serve --role commercial``. Normal settlements take the commercial leg over the sealed channel;
with the commercial side killed (SIGKILL) or frozen past the time budget (SIGSTOP) the hospital
still gets its answer at once, the commercial legs pending; after recovery the server's own retry
settles every pending leg exactly once; ``syncsettle check`` and ``syncsettle audit verify`` are
clean, and every release of the run is in the sealed log (one proven with the public key alone)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from syncsettle.adapters.db.commercial.schema_claims import commercial_claims
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.schema import journals, settlements
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services import admin
from syncsettle.services.commercial import consents
from syncsettle.services.commercial.reference_products import file_product, reference_content
from syncsettle.services.management import audit_proofs
from syncsettle.services.platform import Platform
from syncsettle_tools.loadgen.server import seed, start_server
from syncsettle_tools.loadgen.visits import LINES, envelope
from tests.commercial.actors import insured

ACME = "acme-supplementary-2025"
PERSONS = [f"B{i:06d}" for i in range(12)]


def _call(client: httpx.Client, infno: str, payload: dict[str, Any]) -> dict[str, Any]:
    body = client.post("/fsi/api", json=envelope(infno, payload)).json()
    assert body["infcode"] == 0, body["err_msg"]
    out: dict[str, Any] = body["output"]
    return out


def _visit(client: httpx.Client, psn_no: str) -> tuple[dict[str, Any], float]:
    insutype = "310" if int(psn_no[1:]) % 3 == 0 else "390"
    mdtrt_id = _call(client, "2201", {"data": {"psn_no": psn_no, "insutype": insutype}})["data"]["mdtrt_id"]
    lines = [{"feedetl_sn": str(n), "mdtrt_id": mdtrt_id, "psn_no": psn_no, "med_list_codg": code, "cnt": cnt,
              "pric": pric, "det_item_fee_sumamt": format_yuan(int(cnt) * parse_yuan(pric))}
             for n, (code, cnt, pric) in enumerate(LINES, 1)]  # fmt: skip
    _call(client, "2204", {"feedetail": lines})
    started = time.monotonic()
    out = _call(client, "2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": psn_no}})
    return next(e for e in out["commercial"] if e["product"] == ACME), time.monotonic() - started


def _claims(platform: Platform) -> list[dict[str, Any]]:
    with platform.uow(readonly=True) as uow:
        return [dict(r) for r in uow.conn.execute(select(commercial_claims)).mappings()]


def test_two_servers_normal_killed_slow_then_every_pending_leg_settles_once(database_url: str) -> None:
    secret = seed(database_url, len(PERSONS))
    platform = Platform(engine=make_engine(database_url))
    # the two servers run on the real clock: the filing, the consents and the cover span this year and the next
    begin, end = date(date.today().year, 1, 1), date(date.today().year + 1, 12, 31)
    file_product(platform, reference_content(ACME), region="370600", route="dual_platform", approved_from=begin,
                 approved_to=end)  # fmt: skip
    for psn_no in PERSONS:
        consents.grant(platform, insured(psn_no), "acme-group", Purpose.SETTLEMENT, Granularity.RESULT, begin, end)
        admin.enroll(platform, psn_no, ACME, begin, end)
    commercial = start_server(database_url, role="commercial", workers=1)
    port = int(commercial.url.rsplit(":", 1)[1])
    medical = start_server(database_url, workers=2, env={
        "SYNCSETTLE_COMMERCIAL_URL": commercial.url, "SYNCSETTLE_COMMERCIAL_BUDGET_MS": "300",
        "SYNCSETTLE_CLAIMS_RETRY_S": "0.5", "SYNCSETTLE_CLAIMS_BACKOFF_MAX_S": "2"})  # fmt: skip
    try:
        with httpx.Client(base_url=medical.url, headers={"Authorization": f"Bearer {secret}"}, timeout=30) as c:
            normal = [_visit(c, p)[0] for p in PERSONS[:4]]
            assert [e["status"] for e in normal] == ["settled"] * 4, [c["reason"] for c in _claims(platform)]
            assert all(e["payable"] != "0.00" for e in normal)

            commercial.kill()
            killed = [_visit(c, p) for p in PERSONS[4:8]]
            assert [e["reason_code"] for e, _ in killed] == ["channel_down"] * 4, killed

            commercial = start_server(database_url, role="commercial", workers=1, port=port)
            commercial.pause()  # alive, port open, answering nothing: slow past any budget
            slow = [_visit(c, p) for p in PERSONS[8:12]]
            assert [e["reason_code"] for e, _ in slow] == ["channel_timeout"] * 4, slow
            assert all(seconds < 5 for _, seconds in slow)  # the hospital is answered, not kept waiting
            commercial.resume()

            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                if all(claim["status"] == "settled" for claim in _claims(platform)):
                    break
                time.sleep(0.5)
    finally:
        medical.stop()
        commercial.stop()
    claims = _claims(platform)
    assert len(claims) == 8 and {c["status"] for c in claims} == {"settled"}, [c["reason"] for c in claims]
    assert all(c["payable"] > 0 for c in claims)
    with platform.uow(readonly=True) as uow:
        payouts = sorted(r[0] for r in uow.conn.execute(select(journals.c.id).where(journals.c.kind == "claim")))
    assert payouts == sorted(f"{c['claim_id']}:com" for c in claims)  # each pending leg paid exactly once
    platform.engine.dispose()
    command = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", "check", "--json",
               "--database-url", database_url]  # fmt: skip
    cli = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert json.loads(cli.stdout)["ok"] is True
    subprocess.run([*command[:3], "audit", "seal", "--database-url", database_url], check=True, timeout=120,
                   capture_output=True)  # verify seals nothing: sealing is its own command  # fmt: skip
    audit = subprocess.run([*command[:3], "audit", "verify", "--json", "--database-url", database_url],
                           capture_output=True, text=True, timeout=120)  # fmt: skip
    assert audit.returncode == 0, audit.stdout + audit.stderr
    report = json.loads(audit.stdout)
    assert report["valid"] is True and report["first_bad"] is None and report["unsealed"] == 0, report
    _every_release_sealed_and_provable(database_url, claims)


def _every_release_sealed_and_provable(database_url: str, claims: list[dict[str, Any]]) -> None:
    """Each settlement's commercial release (attempted: ``undelivered`` while the side was killed) and
    each claim's release is in the sealed log; one claim release is proven with the public key alone."""
    platform = Platform(engine=make_engine(database_url))
    with platform.uow(readonly=True) as uow:
        settled = uow.conn.execute(select(settlements.c.setl_id, settlements.c.psn_no)).all()
        releases = [dict(r) for r in uow.conn.execute(
            select(audit_entries).where(audit_entries.c.action == "release", audit_entries.c.recipient == "acme-group")
        ).mappings()]  # fmt: skip
    platform.engine.dispose()
    assert releases and all(r["position"] is not None and r["leaf_hash"] for r in releases)
    assert {r["record_ids"][0] for r in releases} == {setl_id for setl_id, _ in settled}
    by_claim = {r["record_ids"][1]: r for r in releases if len(r["record_ids"]) == 2 and r["outcome"] == "released"}
    assert set(by_claim) == {c["claim_id"] for c in claims}
    assert all(r["consent_id"] and r["fields"] for r in by_claim.values())
    claim = claims[0]
    bundle = audit_proofs.proof(platform, insured(claim["psn_no"]), int(by_claim[claim["claim_id"]]["id"]))
    assert audit_proofs.verify_bundle(platform.settings.keys.public("platform"), bundle)
    assert json.loads(bundle["entry"])["record_ids"] == [claim["setl_id"], claim["claim_id"]]
    platform.engine.dispose()
