"""The README as a new user follows it (issue 20): it points only at files of this repository, every
command it shows exists, the sample case prices to the figures it quotes, and its error example is
the message the command really prints."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from syncsettle.entrypoints.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_points_only_inside_the_repository() -> None:
    assert "../" not in README and "/work/" not in README
    assert "shared/reference" not in README and "DESIGN.md" not in README
    paths = set(re.findall(r"(?<![\w/.])((?:docs|src|examples|tests|scripts)/[\w./-]+\w)", README))
    assert "examples/quote-case.json" in paths and "docs/case-format.md" in paths
    missing = sorted(p for p in paths if "…" not in p and "*" not in p and not (ROOT / p).exists()
                     and not (ROOT / "src/syncsettle" / p).exists())  # fmt: skip
    assert missing == []


def test_every_command_shown_exists_and_runs_as_printed() -> None:
    shown = re.findall(r"(\S*syncsettle) ([a-z][\w-]*)", README)
    assert shown
    assert [command for _, command in shown if command not in COMMANDS] == []
    invocations = re.findall(r"^ {4}(?:\w+=\S+ )?(\S*syncsettle) ", README, flags=re.MULTILINE)  # code lines
    assert invocations and set(invocations) == {".venv/bin/syncsettle"}  # runs without an activated venv


def test_filing_draft_paths_start_with_src() -> None:
    drafts = re.findall(r"filing draft (\S+)", README)
    assert drafts and all(d.startswith("src/") and (ROOT / d).exists() for d in drafts)


def test_the_sample_case_prices_to_the_figures_the_readme_quotes(cli: Any) -> None:
    done = cli("quote", str(ROOT / "examples/quote-case.json"))
    assert done.exit_code == 0, done.output
    summary = json.loads(done.stdout)["summary"]
    for figure in ("total", "public_funds", "commercial", "cash"):
        assert f"{float(summary[figure]):,.2f}" in README, (figure, summary[figure])


def test_quote_accepts_a_golden_case_as_it_is_kept(cli: Any) -> None:
    golden = ROOT / "tests/golden/cases/priority_yantai_then_acme.json"
    done = cli("quote", str(golden))
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["summary"] == {**json.loads(golden.read_text())["expected"]["summary"],
                                                  "family_account": "0.00"}  # fmt: skip


def test_the_error_example_is_the_real_message(cli: Any, tmp_path: Path) -> None:
    example = re.search(r"`(error: bill\.items\[0\]\.pric: [^`]+)`", README)
    assert example is not None
    case = json.loads((ROOT / "examples/quote-case.json").read_text(encoding="utf-8"))
    case["bill"]["items"][0]["pric"] = 150.0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(case), encoding="utf-8")
    done = cli("quote", str(bad))
    assert done.exit_code == 2
    assert done.stderr.strip() == example.group(1)
    assert "a price must be" in example.group(1)
