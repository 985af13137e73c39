"""A fee upload carries at most 1,000 lines (configurable): a 50,000-line 2204 is refused before
anything is priced. (Issue 15, defect 5.)"""

from __future__ import annotations

import pytest

from syncsettle.adapters.settings import SettingsError, load_settings
from syncsettle.services.errors import Code, ServiceError
from syncsettle.services.settlement.input_limits import check_fee_lines


def test_a_thousand_fee_lines_are_accepted() -> None:
    check_fee_lines([{}] * 1000)
    check_fee_lines(None)


def test_fifty_thousand_fee_lines_are_refused_with_the_size_code() -> None:
    with pytest.raises(ServiceError) as refused:
        check_fee_lines([{}] * 50_000)
    assert refused.value.code is Code.TOO_LARGE and refused.value.field == "input.feedetail"
    assert str(refused.value).startswith("[SS-1007] input.feedetail: 一次上传的费用明细过多：50000 条，上限 1000 条")


def test_the_limit_is_configurable() -> None:
    settings = load_settings({"SYNCSETTLE_MAX_FEE_LINES": "10", "SYNCSETTLE_MAX_BODY_BYTES": "4096"})
    assert (settings.max_fee_lines, settings.max_body_bytes) == (10, 4096)
    with pytest.raises(ServiceError):
        check_fee_lines([{}] * 11, settings.max_fee_lines)
    assert load_settings({}).max_body_bytes == 1 << 20


@pytest.mark.parametrize("bad", ["0", "-1", "lots", "１０"])
def test_a_bad_limit_stops_the_start(bad: str) -> None:
    with pytest.raises(SettingsError, match="SYNCSETTLE_MAX_FEE_LINES"):
        load_settings({"SYNCSETTLE_MAX_FEE_LINES": bad})
