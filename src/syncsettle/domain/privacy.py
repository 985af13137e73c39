"""Masking rules for personal identifiers in API output and logs (pure).

| value | rule | example |
|---|---|---|
| name | first character, then one ``*`` per further character | ``张三`` → ``张*``, ``欧阳娜娜`` → ``欧***`` |
| certificate number | first 6 (issuing region) and last 4 kept | ``370602198001011234`` → ``370602********1234`` |
| short certificate number (≤ 10) | last 2 kept | ``A1234567`` → ``******67`` |

Who sees what unmasked is decided by the caller (see docs/commercial-centre.md): the hospital's 1101
answer carries the national fields in clear (the window must check the patient's identity), the
insured person sees their own name in clear, everyone else gets these masks.
"""

from __future__ import annotations

import re

_CERTNO_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_name(name: str) -> str:
    name = name.strip()
    if len(name) <= 1:
        return "*" if name else ""
    return name[0] + "*" * (len(name) - 1)


def mask_certno(certno: str) -> str:
    certno = certno.strip()
    if len(certno) > 10:
        return certno[:6] + "*" * (len(certno) - 10) + certno[-4:]
    if len(certno) > 2:
        return "*" * (len(certno) - 2) + certno[-2:]
    return "*" * len(certno)


def mask_text(text: str) -> str:
    """Every 18-character resident ID number inside ``text`` masked (a safety net for log lines;
    names cannot be recognised in free text, so code never logs them)."""
    return _CERTNO_IN_TEXT.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
