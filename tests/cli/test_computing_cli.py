"""The computing commands audit every release in the audit log: ``aggregates`` as the operator on
duty (``operator:*``, named ``cli``) under the budget it names, the record also printed to stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from syncsettle.adapters.db.schema_trust import audit_entries
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
