"""The operator's commands of the commercial centre, as run from a shell: admit an insurer, file a
product and take it through review, enroll a person, grant and revoke a consent, and verify the
audit log — one-line errors and non-zero exits on refusals."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from syncsettle.adapters.rulebook import SHIPPED
from syncsettle.entrypoints import cli
from tests.world import World


def run(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """As a shell runs it (a new process: no traceback, one line on stderr)."""
    cmd = [sys.executable, "-c", "from syncsettle.entrypoints.cli import main; main()", *args, "--database-url", url]
    return subprocess.run(cmd, capture_output=True, text=True, check=False)


def ok(url: str, *args: str) -> str:
    """In this process (fast), through the same Typer app."""
    if not any(group.name == "audit" for group in cli.app.registered_groups):
        cli._load_commands()
    done = CliRunner().invoke(cli.app, [*args, "--database-url", url])
    assert done.exit_code == 0, (done.output, done.exception)
    return done.stdout


def test_filing_enrollment_consent_and_audit_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    world = World(url)  # migrated, with hospitals and persons
    world.platform.engine.dispose()
    product = str(SHIPPED / "products" / "acme-supplementary-2025.yaml")
    ok(url, "insurer", "admit", "acme-group", "--name", "ACME 保险", "--region", "370600")
    assert "filing 1 drafted" in ok(url, "filing", "draft", product, "--region", "370600", "--premium", "99.00")
    early = run(url, "filing", "approve", "1", "--from", "2025-01-01", "--to", "2025-12-31")
    assert early.returncode == 2 and early.stderr.count("\n") == 1 and "submitted" in early.stderr
    ok(url, "filing", "submit", "1")
    ok(url, "filing", "approve", "1", "--from", "2025-01-01", "--to", "2030-12-31")  # covers today
    ok(url, "filing", "launch", "1")
    shown = json.loads(ok(url, "filing", "show", "1"))
    assert shown["status"] == "on_sale" and [e["to_status"] for e in shown["events"]][-1] == "on_sale"
    enrolled = json.loads(ok(url, "enrollment", "enroll", "P0002", "acme-supplementary-2025"))
    assert enrolled["enrollments"][0]["premium"] == "99.00"
    granted = json.loads(ok(url, "consent", "grant", "P0002", "acme-group", "--purpose", "quick_claim",
                            "--granularity", "detail", "--from", "2025-01-01", "--to", "2025-12-31"))  # fmt: skip
    ok(url, "consent", "revoke", granted["consent_id"], "--psn-no", "P0002")
    ok(url, "audit", "seal")  # verify seals nothing: sealing is its own command
    report = json.loads(ok(url, "audit", "verify", "--json"))
    assert report["valid"] and report["entries"] >= 8 and report["unsealed"] == 0
    assert json.loads(ok(url, "audit", "checkpoint", "--json"))["tree_size"] == report["entries"]


def test_fhir_export_prints_a_bundle(tmp_path: Path) -> None:
    from fhir.resources.R4B.bundle import Bundle

    from tests.world import line

    url = f"sqlite:///{tmp_path / 'fhir.db'}"
    world = World(url)
    mdtrt_id = world.outpatient_visit("P0002", [line("1", "001101000010000", "1", "30.00", "30.00")], insutype="310")
    setl_id = world.ok("2207", {"data": {"mdtrt_id": mdtrt_id, "psn_no": "P0002"}})["setlinfo"]["setl_id"]
    world.platform.engine.dispose()
    one = json.loads(ok(url, "fhir", "export", "--setl-id", setl_id))
    Bundle.model_validate(one)
    assert [e["resource"]["resourceType"] for e in one["entry"]] == ["ExplanationOfBenefit", "ClaimResponse"]
    period = json.loads(ok(url, "fhir", "export", "--psn-no", "P0002", "--from", "2025-06-01", "--to", "2025-06-30"))
    assert period["entry"] == one["entry"]
    assert "entry" not in json.loads(ok(url, "fhir", "export", "--psn-no", "P0002", "--from", "2025-07-01"))
    missing = run(url, "fhir", "export", "--setl-id", "ST000")
    assert missing.returncode == 2 and missing.stderr.count("\n") == 1 and "ST000" in missing.stderr
