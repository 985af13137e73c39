"""The parties of the commercial-centre tests, as principals (what a credential authenticates to)."""

from __future__ import annotations

from datetime import date

from syncsettle.domain.identity import Principal, Role

YANTAI = Principal(Role.REGULATOR, "370600", "烟台市医保局", "cr_reg_yt")
ULANQAB = Principal(Role.REGULATOR, "150900", "乌兰察布市医保局", "cr_reg_uq")
NATIONAL = Principal(Role.REGULATOR, "*", "国家医保局", "cr_reg_cn")
OPERATOR = Principal(Role.OPERATOR, "*", "清分结算中心", "cr_op")
HMB = Principal(Role.INSURER, "yantai-hmb", "烟台市民健康保", "cr_hmb")
ACME = Principal(Role.INSURER, "acme-group", "ACME 保险", "cr_acme")
HOSPITAL = Principal(Role.HOSPITAL, "H37060000001", "烟台毓璜顶医院", "H37060000001")
YEAR_FROM, YEAR_TO = date(2025, 1, 1), date(2025, 12, 31)


def insured(psn_no: str) -> Principal:
    return Principal(Role.INSURED, psn_no, psn_no, f"cr_{psn_no}")
