"""Who is calling: a role and the tenant it acts for. Pure values; authentication is a service.

| role | tenant | sees and changes |
|---|---|---|
| ``hospital`` (定点医疗机构) | its ``fixmedins_code`` | its own visits, settlements, reconciliation |
| ``insured`` (参保人) | their ``psn_no`` | their policies, settlements, consents, who used their data |
| ``insurer`` (商保机构) | its insurer id (``yantai-hmb``) | its products, enrollments, claims, statements |
| ``regulator`` (医保部门) | region ``370600``, province ``370000``, ``*`` national | filings, data use there |
| ``operator`` (清分结算中心) | ``*`` | clearing, monitoring, exceptions |
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ALL = "*"


class Role(StrEnum):
    HOSPITAL = "hospital"
    INSURED = "insured"
    INSURER = "insurer"
    REGULATOR = "regulator"
    OPERATOR = "operator"


ROLE_NAMES = {
    Role.HOSPITAL: "定点医疗机构",
    Role.INSURED: "参保人",
    Role.INSURER: "商保机构",
    Role.REGULATOR: "医保部门",
    Role.OPERATOR: "清分结算中心",
}


def region_covers(scope: str, region: str) -> bool:
    """Whether a regulator scope covers a 6-digit region: ``*``, the region itself, its prefecture
    (``370600`` covers ``370602``) or its province (``370000`` covers ``370600``)."""
    if scope in (ALL, region):
        return True
    if scope.endswith("0000"):
        return region[:2] == scope[:2]
    if scope.endswith("00"):
        return region[:4] == scope[:4]
    return False


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller. ``credential_id`` names the credential used (for the audit log)."""

    role: Role
    tenant: str
    name: str
    credential_id: str

    def owns(self, tenant: str) -> bool:
        """Whether this caller acts for ``tenant`` (operators and national regulators act for all)."""
        if self.tenant == ALL:
            return True
        if self.role is Role.REGULATOR:
            return region_covers(self.tenant, tenant)
        return self.tenant == tenant

    @property
    def label(self) -> str:
        return f"{self.role.value}:{self.tenant}"
