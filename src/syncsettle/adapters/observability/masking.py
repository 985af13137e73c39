"""Masking personal data in text and structured values (for logs; pure functions).

- resident identity numbers (18 digits, the last may be ``X``; also the old 15-digit form): the
  region (first 6) and the last 4 stay, ``370602********123X``;
- mobile numbers (11 digits starting 13–19): ``138****5678``;
- names, where a key says it is one (``psn_name=张三``, ``"psn_name": "张三"``, ``姓名：张三``) or a
  structured field is named so: the surname character stays, ``张*``;
- any value of a field named like a certificate number or phone is masked whatever its shape.

Names in free text without such a label cannot be told from other words and are not masked:
code should log identifiers (``psn_no``), never names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

NAME_KEYS = frozenset({"psn_name", "patient_name", "insured_name", "姓名", "参保人", "患者"})
CERT_KEYS = frozenset({"certno", "mdtrt_cert_no", "cert_no", "idcard", "id_card", "psn_cert_no"})
PHONE_KEYS = frozenset({"phone", "tel", "mob", "mobile", "conn_tel", "emp_tel"})

_CERT18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_CERT15 = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{6}(\d{3})(?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")
_LABELLED_NAME = re.compile(
    r"""(["']?(?:{})["']?\s*[:=：]\s*["']?)([^"'\s,，;；:：}}\])]+)""".format(
        "|".join(sorted(NAME_KEYS, key=len, reverse=True))
    )
)


def mask_name(name: str) -> str:
    """``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***``; a one-character value becomes ``*``."""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else "*"


def mask_cert(value: str) -> str:
    value = value.strip()
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def mask_phone(value: str) -> str:
    value = value.strip()
    return value[:3] + "*" * max(len(value) - 7, 0) + value[-4:] if len(value) > 7 else "*" * len(value)


def mask_text(text: str) -> str:
    """Mask identity numbers, mobile numbers and labelled names anywhere in ``text``."""
    text = _CERT18.sub(lambda m: f"{m[1]}********{m[2]}", text)
    text = _CERT15.sub(lambda m: f"{m[1]}******{m[2]}", text)
    text = _PHONE.sub(lambda m: f"{m[1]}****{m[2]}", text)
    return _LABELLED_NAME.sub(lambda m: m[1] + mask_name(m[2]), text)


def mask_value(key: str, value: Any) -> Any:
    """A structured field's value, masked according to its key (recursing into mappings and lists)."""
    lowered = key.lower()
    if isinstance(value, str):
        if lowered in NAME_KEYS:
            return mask_name(value)
        if lowered in CERT_KEYS:
            return mask_cert(value)
        if lowered in PHONE_KEYS:
            return mask_phone(value)
        return mask_text(value)
    if isinstance(value, Mapping):
        return {k: mask_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask_value(key, v) for v in value]
    return value
