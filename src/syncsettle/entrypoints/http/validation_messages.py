"""FastAPI's request-validation errors (Pydantic's English ``msg``) said in Chinese.

Why: every message a caller of the platform reads is Chinese and carries a stable code; the 422
FastAPI produces for a bad path, query or body parameter was English ("Input should be a valid
integer"). :func:`chinese` turns one Pydantic error into a Chinese sentence from its ``type`` and
``ctx`` (the limits), keeping the text of the platform's own validators (``value_error``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PLAIN = {
    "missing": "缺少必填字段",
    "int_parsing": "须为整数",
    "int_type": "须为整数",
    "int_from_float": "须为整数，不能带小数",
    "string_type": "须为字符串",
    "bool_parsing": "须为布尔值（true/false）",
    "bool_type": "须为布尔值（true/false）",
    "date_parsing": "须为日期 yyyy-MM-dd",
    "date_from_datetime_parsing": "须为日期 yyyy-MM-dd",
    "date_type": "须为日期 yyyy-MM-dd",
    "datetime_parsing": "须为时间 yyyy-MM-ddTHH:mm:ss",
    "datetime_type": "须为时间 yyyy-MM-ddTHH:mm:ss",
    "decimal_parsing": "须为十进制数",
    "float_parsing": "须为数字",
    "json_invalid": "不是合法的 JSON",
    "json_type": "不是合法的 JSON",
    "dict_type": "须为 JSON 对象",
    "model_type": "须为 JSON 对象",
    "model_attributes_type": "须为 JSON 对象",
    "list_type": "须为列表",
    "extra_forbidden": "不允许的字段",
    "finite_number": "须为有限的数",
    "string_unicode": "须为合法的 Unicode 文本",
    "bytes_type": "须为字节串",
}
_LIMITS = {
    "greater_than": "须大于 {gt}",
    "greater_than_equal": "须不小于 {ge}",
    "less_than": "须小于 {lt}",
    "less_than_equal": "须不大于 {le}",
    "string_too_long": "长度不得超过 {max_length} 个字符",
    "string_too_short": "长度不得少于 {min_length} 个字符",
    "too_long": "至多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "string_pattern_mismatch": "格式不符（须匹配 {pattern}）",
    "enum": "须为以下之一：{expected}",
    "literal_error": "须为以下之一：{expected}",
    "int_too_big": "整数过大",
    "decimal_max_digits": "至多 {max_digits} 位数字",
    "decimal_max_places": "至多 {decimal_places} 位小数",
}


def chinese(error: Mapping[str, Any]) -> str:
    """The Chinese message for one Pydantic error (``{"type", "loc", "msg", "ctx"}``)."""
    kind = str(error.get("type", ""))
    if kind in _PLAIN:
        return _PLAIN[kind]
    ctx = error.get("ctx") or {}
    if kind in _LIMITS:
        try:
            return _LIMITS[kind].format(**{key: str(value) for key, value in ctx.items()})
        except (KeyError, IndexError):
            pass
    if kind in ("value_error", "assertion_error"):  # the platform's own validators: their text
        return str(error.get("msg", "")).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return f"取值无效（{kind or 'invalid'}）"
