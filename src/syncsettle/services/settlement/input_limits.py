"""Limits on how much one message may ask of the platform, checked before any of it is priced.

Why: a 50,000-line 2204 upload was accepted; settling that visit took 11 s and answered 9.4 MB.
A real outpatient visit has tens of lines and a long inpatient stay a few hundred per upload, so
1,000 (``SYNCSETTLE_MAX_FEE_LINES``) refuses no honest hospital.
"""

from __future__ import annotations

from collections.abc import Sized

from syncsettle.adapters.settings import DEFAULT_MAX_FEE_LINES
from syncsettle.services.errors import Code, ServiceError


def check_fee_lines(items: Sized | None, limit: int = DEFAULT_MAX_FEE_LINES, field: str = "input.feedetail") -> None:
    """Refuse a 2204/2301 upload of more than ``limit`` fee lines with ``[SS-1007]`` (callers pass
    ``platform.settings.max_fee_lines``). ``None`` or a non-list is left to the field checks."""
    if items is None or isinstance(items, (str, bytes, dict)):
        return
    count = len(items)
    if count > limit:
        raise ServiceError(Code.TOO_LARGE, f"一次上传的费用明细过多：{count} 条，上限 {limit} 条，请分批上传", field)
