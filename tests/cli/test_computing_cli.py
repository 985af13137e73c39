"""The computing commands audit every release in the audit log: ``aggregates`` as the operator on
duty (``operator:*``, named ``cli``) under the budget it names, the record also printed to stderr."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.entrypoints.cli import _load_commands, app
from tests.clearing.conftest import HMB, inpatient
from tests.world import World


def test_aggregates_from_the_command_line_are_an_audited_export(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    world = World(url)
    inpatient(world, "P0001", "60000.00", product=HMB)
    _load_commands()
    result: Any = CliRunner().invoke(app, ["aggregates", HMB, "--from", "2025-01-01", "--to", "2025-12-31", "--by", "",
                                           "--insurer", "yantai-hmb", "--database-url", url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert '"suppressed": true' in result.stdout  # one person: below the minimum cell
    assert "audit:" in result.stderr
    with world.platform.uow(readonly=True) as uow:
        [entry] = uow.conn.execute(select(audit_entries).where(audit_entries.c.action == "export")).mappings().all()
    assert (entry["actor_role"], entry["actor_tenant"], entry["recipient"], entry["outcome"]) == (
        "operator", "*", "yantai-hmb", "suppressed")  # fmt: skip
    assert entry["reason"] == f"actuarial {HMB}: dataset=product:{HMB} cells_released=0 cells_suppressed=1 epsilon=0"
    world.platform.engine.dispose()


def test_the_regulator_grants_lists_and_revokes_budgets_and_the_floor_holds_on_the_command_line(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    world = World(url)
    inpatient(world, "P0001", "60000.00", product=HMB)
    _load_commands()
    run = CliRunner().invoke
    dataset = f"product:{HMB}"
    granted: Any = run(app, ["privacy", "grant", "yantai-hmb", dataset, "--epsilon", "1/2", "--regulator", "370600",
                             "--reason", "定价", "--database-url", url])  # fmt: skip
    assert granted.exit_code == 0, granted.output
    assert "remaining      0.5 active" in granted.stdout
    elsewhere: Any = run(app, ["privacy", "grant", "yantai-hmb", dataset, "--epsilon", "1", "--regulator", "150900",
                               "--database-url", url])  # fmt: skip
    assert elsewhere.exit_code == 2 and "不在本部门辖区" in elsewhere.stderr
    listed: Any = run(app, ["privacy", "list", "--json", "--database-url", url])
    assert [(b["requester"], b["remaining"]) for b in json.loads(listed.stdout)] == [("yantai-hmb", "0.5")]
    # --min-cell 1 asks for less than the platform's floor: one person is still suppressed
    small: Any = run(app, ["aggregates", HMB, "--from", "2025-01-01", "--to", "2025-12-31", "--by", "",
                           "--insurer", "yantai-hmb", "--min-cell", "1", "--database-url", url])  # fmt: skip
    assert small.exit_code == 0 and json.loads(small.stdout)["cells"][0]["suppressed"] is True
    revoked: Any = run(app, ["privacy", "revoke", "yantai-hmb", dataset, "--reason", "收回", "--database-url", url])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    noisy: Any = run(app, ["aggregates", HMB, "--from", "2025-01-01", "--to", "2025-12-31", "--by", "",
                           "--insurer", "yantai-hmb", "--epsilon", "0.1", "--database-url", url])  # fmt: skip
    assert noisy.exit_code == 2 and "已被医保部门撤销" in noisy.stderr
    world.platform.engine.dispose()
