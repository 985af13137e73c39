"""``syncsettle claims code issue|list|present|revoke`` from a shell: the person's code claims a
waiting leg once (a repeat answers the same claim, replayed), and a revoked code is refused in one
line with a non-zero exit."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from syncsettle.entrypoints import cli
from tests.commercial.test_claim_codes import _consent, _pending, _setup
from tests.commercial.test_claims import ACME
from tests.world import World


def invoke(url: str, *args: str) -> tuple[int, str, str]:
    if not any(group.name == "claims" for group in cli.app.registered_groups):
        cli._load_commands()
    done = CliRunner().invoke(cli.app, [*args, "--database-url", url])
    return done.exit_code, done.stdout, done.stderr


def test_issue_present_twice_and_revoke_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    world = World(url)
    _setup(world)
    setl_id = _pending(world)
    _consent(world)
    world.platform.engine.dispose()
    status, out, _ = invoke(url, "claims", "code", "issue", "--psn-no", "P0002", "--product", ACME, "--days", "7")
    assert status == 0, out
    code = json.loads(out)
    assert code["status"] == "active" and code["code"].startswith("SSC1.")
    status, out, _ = invoke(url, "claims", "code", "list", "--psn-no", "P0002")
    assert [c["code_id"] for c in json.loads(out)["codes"]] == [code["code_id"]]
    status, out, _ = invoke(url, "claims", "code", "present", code["code"], "--setl-id", setl_id,
                            "--hospital", "H37060000001")  # fmt: skip
    assert status == 0, out
    paid = json.loads(out)
    assert paid["claim"]["status"] == "settled" and paid["replayed"] is False
    status, out, _ = invoke(url, "claims", "code", "present", code["code"], "--setl-id", setl_id, "--psn-no", "P0002")
    assert status == 0 and json.loads(out)["replayed"] is True and json.loads(out)["claim"] == paid["claim"]
    status, out, _ = invoke(url, "claims", "code", "revoke", code["code_id"], "--psn-no", "P0002")
    assert status == 0 and json.loads(out)["status"] == "revoked"
    status, _, err = invoke(url, "claims", "code", "present", code["code"], "--setl-id", setl_id, "--psn-no", "P0002")
    assert status == 2 and err.count("\n") == 1 and "已被撤销" in err
    status, _, err = invoke(url, "claims", "code", "present", code["code"], "--setl-id", setl_id)
    assert status == 2 and "--psn-no" in err
