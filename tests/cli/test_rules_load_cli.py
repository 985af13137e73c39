"""``syncsettle rules load DIR`` as an operator runs it: catalogues (就医地目录) are stored like
policies and products, and become the treatment region's catalogue of the rules the server uses; a
file that cannot be loaded is refused by name and reason, exit 1, and nothing of DIR is stored."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from syncsettle.adapters.db.core.schema import rule_versions
from syncsettle.adapters.rulebook import SHIPPED, shipped_rulebook
from syncsettle.services import admin
from syncsettle.services.admin import stored_rulebook
from syncsettle.services.platform import build_platform
from tests.clearing.conftest import inpatient
from tests.world import World

NEW_REGION = """\
kind: catalogue
region: "320100"
name: 南京市医保目录（样例）
entries:
  "XB01AC-0001": {name: 阿司匹林肠溶片, chrgitm_lv: "01", med_chrgitm_type: "09"}
  "XJ01CR-0002": {name: 阿莫西林克拉维酸钾, chrgitm_lv: "02", selfpay_prop: "0.15", med_chrgitm_type: "09"}
"""


@pytest.fixture
def db(tmp_path: Path, cli: Any) -> str:
    url = f"sqlite:///{tmp_path / 'rules.db'}"
    assert cli("db", "upgrade", "--database-url", url).exit_code == 0
    return url


def stored(url: str) -> list[tuple[str, str, int]]:
    p = build_platform(url)
    with p.engine.connect() as conn:
        rows = conn.execute(select(rule_versions.c.kind, rule_versions.c.rule_id, rule_versions.c.version)).all()
    p.engine.dispose()
    return sorted((str(k), str(i), int(v)) for k, i, v in rows)


def test_a_new_regions_catalogue_is_stored_and_used(cli: Any, db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "320100.yaml").write_text(NEW_REGION, encoding="utf-8")
    done = cli("rules", "load", str(rules), "--database-url", db)
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("1 rule versions stored")
    assert stored(db) == [("catalogue", "320100", 1)]
    p = build_platform(db)
    book = stored_rulebook(p, shipped_rulebook())
    p.engine.dispose()
    entry = book.catalogue_for("320100")["XJ01CR-0002"]
    assert (entry.chrgitm_lv, str(entry.selfpay_prop)) == ("02", "3/20")
    assert "320100" not in shipped_rulebook().catalogues  # it came from the database, not the package


def test_loading_again_stores_nothing_and_a_changed_catalogue_is_the_next_version(
    cli: Any, db: str, tmp_path: Path
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "320100.yaml").write_text(NEW_REGION, encoding="utf-8")
    assert cli("rules", "load", str(rules), "--database-url", db).exit_code == 0
    again = cli("rules", "load", str(rules), "--database-url", db)
    assert again.exit_code == 0 and again.stdout.startswith("0 rule versions stored")
    (rules / "320100.yaml").write_text(NEW_REGION.replace('"0.15"', '"0.20"'), encoding="utf-8")
    changed = cli("rules", "load", str(rules), "--database-url", db)
    assert changed.exit_code == 0 and changed.stdout.startswith("1 rule versions stored")
    assert stored(db) == [("catalogue", "320100", 1), ("catalogue", "320100", 2)]
    p = build_platform(db)
    entry = stored_rulebook(p, shipped_rulebook()).catalogue_for("320100")["XJ01CR-0002"]
    p.engine.dispose()
    assert str(entry.selfpay_prop) == "1/5"  # the latest load wins


def test_the_shipped_catalogues_load_beside_the_policies(cli: Any, db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(SHIPPED / "catalogues", rules / "catalogues")
    shutil.copy(SHIPPED / "policies" / "ulanqab-resident-2019.yaml", rules)
    done = cli("rules", "load", str(rules), "--database-url", db)
    assert done.exit_code == 0, done.output
    kinds = {(k, i) for k, i, _ in stored(db)}
    assert {("catalogue", "150900"), ("catalogue", "370600"), ("policy", "ulanqab-resident-2019")} <= kinds


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (NEW_REGION.replace('selfpay_prop: "0.15", ', ""), "a 乙类 (02) entry needs selfpay_prop"),
        (NEW_REGION.replace('region: "320100"', 'region: "3201"'), "region"),
        ("kind: catalogue\nregion: [unclosed\n", "not valid YAML"),
        ("kind: katalog\nregion: '320100'\n", "kind: must be one of"),
    ],
)
def test_a_file_it_cannot_load_is_refused_by_name_and_reason(
    cli: Any, db: str, tmp_path: Path, text: str, reason: str
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "320100.yaml").write_text(text, encoding="utf-8")
    (rules / "ok.yaml").write_text(NEW_REGION.replace("320100", "320200"), encoding="utf-8")
    done = cli("rules", "load", str(rules), "--database-url", db)
    assert done.exit_code == 1
    assert str(rules / "320100.yaml") in done.stderr and reason in done.stderr
    assert "Traceback" not in done.output
    assert stored(db) == []  # all or nothing: the good file is not stored either


def test_two_files_for_one_region_are_refused(cli: Any, db: str, tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "a.yaml").write_text(NEW_REGION, encoding="utf-8")
    (rules / "b.yaml").write_text(NEW_REGION.replace('"0.15"', '"0.20"'), encoding="utf-8")
    done = cli("rules", "load", str(rules), "--database-url", db)
    assert done.exit_code == 1
    assert str(rules / "b.yaml") in done.stderr and "320100 is also defined in" in done.stderr
    assert stored(db) == []


def test_an_empty_or_missing_directory_is_refused(cli: Any, db: str, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    empty = cli("rules", "load", str(tmp_path / "empty"), "--database-url", db)
    assert empty.exit_code == 1 and "no .yaml rule files" in empty.stderr
    missing = cli("rules", "load", str(tmp_path / "nowhere"), "--database-url", db)
    assert missing.exit_code == 1 and "not a directory" in missing.stderr


def test_a_loaded_catalogue_prices_the_regions_bills(world: World) -> None:
    """The served rules (``stored_rulebook``, as ``serve`` builds them) take the loaded 就医地目录 of
    150900: 阑尾切除术 becomes 乙类 with a 10 % up-front co-pay, so a 10,000.00 stay at 乌兰察布's
    hospital carries 1,000.00 of preselfpay_amt, where the shipped catalogue (甲类) carries none."""
    p = world.platform
    before = inpatient(world, "U0001", "10000.00", hospital="H15090000001")
    assert before["setlinfo"]["preselfpay_amt"] == "0.00"
    catalogue = yaml.safe_load((SHIPPED / "catalogues" / "150900.yaml").read_text(encoding="utf-8"))
    catalogue["entries"]["331001001"] = {"name": "阑尾切除术", "chrgitm_lv": "02", "selfpay_prop": "0.10",
                                         "med_chrgitm_type": "06"}  # fmt: skip
    assert admin.load_rules(p, [("ulanqab.yaml", catalogue)]) == 1
    p.rules = stored_rulebook(p, shipped_rulebook())
    after = inpatient(world, "U0001", "10000.00", hospital="H15090000001")
    assert after["setlinfo"]["preselfpay_amt"] == "1000.00"
