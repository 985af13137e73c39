"""What HIS systems send, read exactly: times, 3202 detail files, 9101 file bytes, region codes."""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import UTC, datetime

import pytest

from syncsettle.services.errors import ServiceError
from syncsettle.services.hospital_scope import same_region
from syncsettle.services.settlement.files import file_bytes, read_detail_file
from syncsettle.services.settlement.times import parse_national_time


@pytest.mark.parametrize("text", ["2025-06-10 10:00:00", "20250610100000", "2025-06-10T10:00:00"])
def test_his_times_are_beijing_time(text: str) -> None:
    assert parse_national_time(text) == datetime(2025, 6, 10, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2025-13-10 10:00:00", "yesterday", "２０２５-06-10"])
def test_not_a_time(text: str) -> None:
    assert parse_national_time(text) is None


def test_detail_file_in_the_default_order_zipped_and_in_gbk() -> None:
    text = "ST1\tMD1\tP1\t100.00\t60.00\t10.00\t0\nRV1\tMD1\tP1\t-100.00\t-60.00\t-10.00\t1\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("d.txt", text.encode("gb18030"))
    found = read_detail_file(buffer.getvalue())
    assert found["ST1"].amounts == {"medfee_sumamt": 10000, "fund_pay_sumamt": 6000, "acct_pay": 1000}
    assert found["RV1"].reversal and found["RV1"].amounts["medfee_sumamt"] == -10000


def test_detail_file_with_a_header_in_another_order() -> None:
    text = "psn_no|setl_id|acct_pay|fund_pay_sumamt|medfee_sumamt\nP1|ST1|0|5.5|10\n"
    assert read_detail_file(text.encode())["ST1"].amounts == {"medfee_sumamt": 1000, "fund_pay_sumamt": 550,
                                                              "acct_pay": 0}  # fmt: skip


@pytest.mark.parametrize("content", [b"PK\x03\x04broken", b"ST1\tMD1\tP1\t1.001\t0\t0\t0", b"\tMD1\n"])
def test_a_bad_detail_file_is_a_field_error(content: bytes) -> None:
    with pytest.raises(ServiceError) as refused:
        read_detail_file(content)
    assert refused.value.code.value == "SS-1002"


def test_file_bytes_as_base64_or_signed_byte_array() -> None:
    assert file_bytes(base64.b64encode(b"\xff\x00a").decode()) == b"\xff\x00a"
    assert file_bytes([-1, 0, 97]) == b"\xff\x00a"
    for bad in ("not base64!", [300], [True], None, ""):
        with pytest.raises(ServiceError):
            file_bytes(bad)


@pytest.mark.parametrize(
    ("claimed", "actual", "same"),
    [("370600", "370600", True), ("370600", "370602", True), ("370000", "370602", True), ("370602", "370600", True),
     ("370600", "440300", False), ("370601", "370602", False), ("440000", "370600", False)],
)  # fmt: skip
def test_a_city_code_covers_its_districts_and_a_province_its_cities(claimed: str, actual: str, same: bool) -> None:
    assert same_region(claimed, actual) is same
