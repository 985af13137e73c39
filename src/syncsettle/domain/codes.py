"""National code tables used by the engine (values from the NHSA interface; provinces extend them).

Only the codes the engine reasons about are listed; an input outside a table is rejected at the
edge so a typo never silently changes a settlement.
"""

from __future__ import annotations

from enum import StrEnum

INSUTYPES = {
    "310": "职工基本医疗保险",
    "320": "公务员医疗补助",
    "330": "大额医疗费用补助",
    "340": "离休人员医疗保障",
    "370": "企业补充医疗保险",
    "390": "城乡居民基本医疗保险",
    "392": "城乡居民大病医疗保险",
    "510": "生育保险",
}

MED_TYPES = {
    "11": "普通门诊",
    "13": "急诊",
    "14": "门诊慢特病",
    "21": "普通住院",
    "23": "转外诊治住院",
    "24": "急诊转住院",
    "28": "日间手术",
    "41": "定点药店购药",
    "51": "生育门诊",
    "52": "生育住院",
}

PSN_TYPES = {
    "1101": "在职职工",
    "1201": "退休职工",
    "1300": "离休干部",
    "1401": "新生儿",
    "1403": "中小学生",
    "1404": "大学生",
    "1501": "成年居民",
}

CHRGITM_LVS = {"01": "甲类", "02": "乙类", "03": "丙类"}

# 1101 ``idetinfo[].psn_idet_type`` (人员身份类别, 3 characters) of the medical-assistance categories.
# ⚠ Modelled: the national dictionary was not at hand and provinces extend it; an import may give the
# category (``tekun``/``dibao``/``fanpin``) instead of the code. Listed most generous first: a person
# holding two valid categories gets the first.
ASSISTANCE_IDET_TYPES = {"tekun": "231", "dibao": "232", "fanpin": "233"}
PSN_IDET_TYPES = {"231": "特困供养人员", "232": "最低生活保障对象", "233": "防止返贫监测对象/低收入人口"}
ASSISTANCE_OF_IDET_TYPE = {code: category for category, code in ASSISTANCE_IDET_TYPES.items()}
OPSP_KINDS = {"chronic": "门慢", "special": "门特"}  # 门慢门特 certification kinds

HOSPITAL_LEVELS = {"1": "一级", "2": "二级", "3": "三级"}

FUND_PAY_TYPES = {
    "310100": "职工基本医疗保险统筹基金",
    "310200": "职工基本医疗保险个人账户",
    "320100": "公务员医疗补助资金",
    "330100": "职工大额医疗费用补助",
    "370100": "企业补充医疗保险",
    "390100": "城乡居民基本医疗保险基金",
    "390200": "城乡居民大病医疗保险资金",
    "610100": "医疗救助基金",
    "999996": "医院负担",
    "999997": "其他",
}


class Benefit(StrEnum):
    """Which basic-insurance benefit a ``med_type`` settles under (see docs/engine-readings.md)."""

    INPATIENT = "inpatient"
    OUTPATIENT = "outpatient"


INPATIENT_MED_TYPES = frozenset({"21", "23", "24", "28", "52"})
OUTPATIENT_MED_TYPES = frozenset({"11", "13", "14", "41", "51"})


def care_setting(med_type: str) -> Benefit:
    """Inpatient or outpatient care, as a product's ``med_types: inpatient|outpatient`` scope means it."""
    return Benefit.INPATIENT if med_type in INPATIENT_MED_TYPES else Benefit.OUTPATIENT


def province(region: str) -> str:
    """The province part of a 6-digit administrative region code (its first two digits)."""
    return region[:2]
