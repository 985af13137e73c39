"""Typed records the settlement centre's repositories hand out, frozen, instead of plain row dicts
(a misspelt field is a type error, not a ``KeyError`` at the window)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import RowMapping


@dataclass(frozen=True, slots=True)
class Hospital:
    """A 定点医疗机构 as the platform knows it: code, name, level, region, and its credentials (the
    bearer secret's hash, the SM4-sealed gateway token, the x-tif paasid, the 9001 sign-in policy)."""

    fixmedins_code: str
    fixmedins_name: str
    hosp_lv: str
    admdvs: str
    secret_hash: str
    created_at: datetime
    secret_sealed: bytes | None = None
    paas_id: str | None = None
    sign_no_policy: str = "tolerate"

    @classmethod
    def of(cls, row: Mapping[str, Any] | RowMapping) -> Hospital:
        return cls(
            row["fixmedins_code"], row["fixmedins_name"], row["hosp_lv"], row["admdvs"], row["secret_hash"],
            row["created_at"], row.get("secret_sealed"), row.get("paas_id"), row.get("sign_no_policy") or "tolerate",
        )  # fmt: skip
