"""Structured logs: one JSON object per line with the request id, and no name, identity number or
mobile number left readable in any part of any record."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from syncsettle.adapters.observability.logs import REQUEST_ID, MaskingFilter, logging_config
from syncsettle.adapters.observability.masking import mask_text, mask_value
from tests.world import World


def test_identity_numbers_mobiles_and_labelled_names_are_masked_in_text() -> None:
    text = "psn_name=张三 certno 37060219800101123X tel 13812345678 姓名：欧阳娜娜 old 370602800101123"
    masked = mask_text(text)
    assert masked == "psn_name=张* certno 370602********123X tel 138****5678 姓名：欧*** old 370602******123"
    assert mask_text("{'psn_name': '李四', \"psn_name\": \"王五\"}") == "{'psn_name': '李*', \"psn_name\": \"王*\"}"


def test_identifiers_and_amounts_are_left_alone() -> None:
    for keep in ("setl_id ST0123ABCD", "msgid H3706000000120250610100000000001", "60000.00 元", "psn_no P0001",
                 "infno 2207", "at 2025-06-10 10:00:00"):  # fmt: skip
        assert mask_text(keep) == keep


def test_structured_fields_are_masked_by_their_name() -> None:
    value = {"psn_name": "张三", "certno": "X1234567890", "phone": "021-5555-0101", "nested": [{"psn_name": "李四"}],
             "note": "call 13912345678"}  # fmt: skip
    assert mask_value("extra", value) == {
        "psn_name": "张*", "certno": "X12345*7890", "phone": "021******0101", "nested": [{"psn_name": "李*"}],
        "note": "call 139****5678",
    }  # fmt: skip


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    config = logging_config("INFO")
    config["handlers"]["json"]["stream"] = stream  # the configured handler, writing here instead of stderr
    logging.config.dictConfig(config)
    yield stream
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}})


def test_every_part_of_a_record_is_masked(json_log: io.StringIO) -> None:
    log = logging.getLogger("syncsettle.test")
    token = REQUEST_ID.set("req-42")
    try:
        log.info("person %s called from %s", "psn_name=张三", "13812345678", extra={"certno": "37060219800101123X"})
        try:
            raise ValueError("bad certno 37060219800101123X")
        except ValueError:
            log.exception("failed for 姓名：王小明")
    finally:
        REQUEST_ID.reset(token)
    first, second = (json.loads(line) for line in json_log.getvalue().splitlines())
    assert first["message"] == "person psn_name=张* called from 138****5678"
    assert first["certno"] == "370602********123X" and first["request_id"] == "req-42"
    assert first["level"] == "INFO" and first["logger"] == "syncsettle.test" and "time" in first
    assert second["message"] == "failed for 姓名：王**"
    assert "37060219800101123X" not in json_log.getvalue() and "370602********123X" in second["exc_info"]


def test_the_filter_masks_records_of_any_logger_and_lets_them_pass() -> None:
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1, "mobile %s", ("15000001111",), None)
    assert MaskingFilter().filter(record) and record.getMessage() == "mobile 150****1111"


def test_request_ids_go_in_and_out_and_onto_each_log_line(world: World, json_log: io.StringIO) -> None:
    client = TestClient(world.app)
    echoed = client.get("/healthz", headers={"X-Request-ID": "his-0001"})
    assert echoed.headers["x-request-id"] == "his-0001"
    made = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
    assert len(made) == 32 and made != "bad id with spaces"
    lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    requests = [entry for entry in lines if entry["message"] == "request"]
    assert {r["request_id"] for r in requests} >= {"his-0001", made}
    assert all(r["path"] == "/healthz" and r["status"] == 200 for r in requests)
