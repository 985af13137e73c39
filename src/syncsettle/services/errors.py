"""Business rejections: a stable error code, a Chinese message for the hospital, the field if any.

Only the HTTP layer turns these into ``infcode: -1`` answers; the CLI prints them as one line.
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    MALFORMED = "SS-1001"  # envelope or JSON malformed
    FIELD = "SS-1002"  # a field is missing or has a wrong type/value
    UNKNOWN_INFNO = "SS-1003"
    TOO_LARGE = "SS-1007"  # a request body, or a list in it, over the configured size limit
    UNAUTHORISED = "SS-1101"  # no or bad credentials
    FORBIDDEN = "SS-1102"  # another hospital's visit, settlement, …
    SIGN_IN = "SS-1103"  # no live 9001 sign-in (sign_no) where the hospital's policy requires one
    REPLAY = "SS-1104"  # a gateway timestamp outside the window, or an x-tif-nonce seen before
    NOT_FOUND = "SS-1201"
    STATE = "SS-1202"  # wrong state: visit closed, settlement already reversed, …
    DUPLICATE = "SS-1203"  # a fee line or msgid reused with different content
    NOT_INSURED = "SS-1204"
    NOTHING_TO_SETTLE = "SS-1205"
    REGION = "SS-1206"  # mdtrtarea_admvs / insuplc_admdvs do not match the hospital or the person
    RULES = "SS-1301"  # no policy in force for the person's insurance
    CONFLICT = "SS-1401"  # retry: concurrent change
    CONSENT = "SS-1501"  # no consent in force for this release (the refusal is audited)
    DECLINED = "SS-1502"  # underwriting declined the person for this product
    BALANCE = "SS-1503"  # the personal account cannot pay this amount
    BUDGET = "SS-1601"  # the insurer's privacy budget for the dataset would be exceeded


class ServiceError(Exception):
    def __init__(self, code: Code, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"[{self.code.value}] {where}{self.message}"
