"""Names and certificate numbers are sealed at rest (SM4-GCM bound to row and column) and found by a
keyed SM3 blind index; 1101 by certificate number still works and answers the national fields in
clear; the existing plaintext rows are sealed by the migration (and opened again by its downgrade);
masking rules for everything else."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from syncsettle.adapters.crypto import DecryptionError
from syncsettle.adapters.db.core.migrate import downgrade, upgrade
from syncsettle.adapters.db.core.schema import persons
from syncsettle.adapters.pii import PersonCipher
from syncsettle.adapters.settings import KeyRing
from syncsettle.domain.privacy import mask_certno, mask_name, mask_text
from tests.world import World


def test_nothing_readable_is_stored(world: World) -> None:
    with world.platform.engine.connect() as conn:
        raw = conn.execute(select(persons).where(persons.c.psn_no == "P0001")).mappings().one()
    stored = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in raw.values())
    assert "测试P0001".encode() not in stored and b"370602198001010001" not in stored
    assert "psn_name" not in raw and "certno" not in raw and len(raw["certno_bidx"]) == 64


def test_1101_by_certificate_number_answers_the_national_fields(world: World) -> None:
    for asked in ("370602198001010001", "３７０６０２１９８００１０１０００１"):  # full-width digits normalise
        info = world.ok("1101", {"data": {"mdtrt_cert_type": "02", "mdtrt_cert_no": asked}})
        assert info["baseinfo"]["psn_no"] == "P0001"
        assert (info["baseinfo"]["psn_name"], info["baseinfo"]["certno"]) == ("测试P0001", "370602198001010001")
    missing = world.call("1101", {"data": {"certno": "370602198001019999"}})
    assert missing["infcode"] == -1


def test_a_ciphertext_moved_to_another_row_or_column_does_not_open(world: World) -> None:
    p = world.platform
    with p.engine.connect() as conn:
        one = dict(conn.execute(select(persons).where(persons.c.psn_no == "P0001")).mappings().one())
        two = dict(conn.execute(select(persons).where(persons.c.psn_no == "P0002")).mappings().one())
    assert p.pii.open(one)["psn_name"] == "测试P0001"
    with pytest.raises(DecryptionError):
        p.pii.open(two | {"psn_name_enc": one["psn_name_enc"]})
    with pytest.raises(DecryptionError):
        p.pii.open(one | {"certno_enc": one["psn_name_enc"]})
    other_keys = PersonCipher(bytes(16), bytes(32))
    with pytest.raises(DecryptionError):
        other_keys.open(one)
    assert other_keys.certno_index("370602198001010001") != one["certno_bidx"]  # the index is keyed


def test_migration_seals_existing_plaintext_and_downgrade_opens_it(database_url: str) -> None:
    from syncsettle.adapters.db.core.engine import make_engine

    engine = make_engine(database_url)
    try:
        upgrade(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text(
                "insert into persons (psn_no, psn_name, psn_cert_type, certno, gend, brdy, insuplc_admdvs, created_at)"
                " values ('OLD1', '张三', '01', '370602198001011234', '1', '1980-01-01', '370600', '2025-01-01')"
            ))  # fmt: skip
            conn.execute(text(  # a row referring to the person: the table is rebuilt under it on SQLite
                "insert into insurance_rows (psn_no, insutype, psn_type, insuplc_admdvs, psn_insu_stas, psn_insu_date,"
                " balc) values ('OLD1', '310', '1101', '370600', '1', '2000-01-01', 0)"
            ))  # fmt: skip
        keys = KeyRing()
        upgrade(engine, "head", keys)
        cipher = PersonCipher(keys.sm4("pii"), keys.hmac("blind_index"))
        with engine.connect() as conn:
            row = dict(conn.execute(select(persons).where(persons.c.psn_no == "OLD1")).mappings().one())
        assert cipher.open(row)["psn_name"] == "张三" and row["certno_bidx"] == cipher.certno_index(
            "370602198001011234"
        )
        downgrade(engine, "0002", keys)
        with engine.connect() as conn:
            back = conn.execute(text("select psn_name, certno from persons where psn_no = 'OLD1'")).one()
        assert tuple(back) == ("张三", "370602198001011234")
    finally:
        engine.dispose()


def test_masking_rules() -> None:
    assert mask_name("张三") == "张*" and mask_name("欧阳娜娜") == "欧***" and mask_name("李") == "*"
    assert mask_certno("370602198001011234") == "370602********1234"
    assert mask_certno("A1234567") == "******67"
    assert mask_text("查询 370602198001011234 失败; 37060219800101123X ok") == (
        "查询 370602********1234 失败; 370602********123X ok"
    )


def test_log_records_mask_identifiers(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from syncsettle.adapters import log_masking

    log_masking.install()
    with caplog.at_level(logging.INFO, logger="syncsettle.test"):
        logging.getLogger("syncsettle.test").info("person %s not found", "370602198001011234")
    assert "370602********1234" in caplog.text and "198001011234" not in caplog.text
