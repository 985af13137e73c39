"""The code systems of the FHIR R4 export (docs/fhir.md lists them with every code).

National codes keep their national values; each table gets a CodeSystem URI under :data:`BASE`.
FHIR's own code systems are used where one fits (the adjudication categories, the claim types,
ICD-10). Pure data.
"""

from __future__ import annotations

from syncsettle.domain.codes import FUND_PAY_TYPES, INPATIENT_MED_TYPES, INSUTYPES, MED_TYPES

BASE = "https://fhir.syncsettle.org"
"""The base of the platform's CodeSystem and NamingSystem URIs."""


def system(name: str) -> str:
    return f"{BASE}/CodeSystem/{name}"


INSUTYPE = system("insutype")  # 险种类型: 310 职工基本医疗保险 …
FUND_PAY_TYPE = system("fund-pay-type")  # 基金支付类型: 310100 职工基本医疗保险统筹基金 …
MED_TYPE = system("med-type")  # 医疗类别: 11 普通门诊, 21 普通住院 …
PAYER = system("payer")  # who paid a part of the bill: hifp, hifmi, …, acct, acct_mulaid, cash, commercial
PRODUCT = system("commercial-product")  # a filed commercial product, by product id
RESPONSIBILITY = system("responsibility")  # a product's responsibility: "<product id>#<responsibility id>"
REASON = system("adjudication-reason")  # why an amount is what it is (out_of_scope, paid, risk_review …)
MED_LIST = system("med-list-codg")  # 医保目录编码 of a fee line
CHRGITM_TYPE = system("med-chrgitm-type")  # 医疗收费项目类别
CHRGITM_LV = system("chrgitm-lv")  # 收费项目等级: 01 甲类, 02 乙类, 03 丙类
CLAIM_KIND = system("claim-kind")  # settlement (the whole bill) | commercial (one product's leg)
GRANULARITY = system("granularity")  # the data granularity a leg's resource was projected at (meta.tag)
SETL_ID = f"{BASE}/NamingSystem/setl_id"  # 结算ID
FIXMEDINS = f"{BASE}/NamingSystem/fixmedins_code"  # 定点医药机构编号
PSN_NO = f"{BASE}/NamingSystem/psn_no"  # 人员编号
ADMDVS = f"{BASE}/NamingSystem/admdvs"  # 医保区划 (the clearing agency's region, clr_optins)

HL7_ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
HL7_CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
CURRENCY = "CNY"

PAYERS: dict[str, tuple[str, str | None]] = {
    # payer code → (its setlinfo field, the national fund_pay_type it pays as, where one fits)
    "hifp": ("hifp_pay", None),  # 统筹基金 (310100 or 390100 by insutype)
    "hifmi": ("hifmi_pay", "390200"),  # 居民大病保险
    "hifob": ("hifob_pay", "330100"),  # 职工大额医疗费用补助
    "cvlserv": ("cvlserv_pay", "320100"),  # 公务员医疗补助
    "maf": ("maf_pay", "610100"),  # 医疗救助
    "oth": ("oth_pay", "999997"),  # 其他
    "acct": ("acct_pay", "310200"),  # 个人账户
    "acct_mulaid": ("acct_mulaid_pay", None),  # 家庭共济（个人账户共济支付）
    "cash": ("psn_cash_pay", None),  # 个人现金
}
PAYER_NAMES = {
    "hifp": "基本医疗保险统筹基金", "hifmi": "居民大病保险", "hifob": "职工大额医疗费用补助",
    "cvlserv": "公务员医疗补助", "maf": "医疗救助基金", "oth": "其他基金", "acct": "个人账户",
    "acct_mulaid": "家庭共济账户", "cash": "个人现金", "commercial": "商业健康保险",
}  # fmt: skip
HIFP_FUND = {"310": "310100", "390": "390100"}

REASONS = {
    # the bill's burden classes (what the public funds left to the patient, and why)
    "out_of_scope": "全自费（医保目录外）",
    "overlimit": "超限价自付",
    "preselfpay": "乙类先行自付",
    "in_scope_selfpay": "政策范围内个人自付",
    "cross_region_selfpay": "异地就医先行自付",
    # a responsibility's outcome (domain/settlement/commercial.py)
    "paid": "已赔付",
    "deductible_not_reached": "未达免赔额",
    "ratio_zero": "赔付比例为零",
    "cap_reached": "已达责任限额",
    # a leg that did not settle at the bedside (domain/commercial/pending.py)
    "consent_missing": "参保人未授权",
    "consent_revoked": "参保人已撤回授权",
    "product_suspended": "产品已暂停",
    "channel_down": "商保平台不可用",
    "channel_timeout": "商保平台响应超时",
    "channel_refused": "商保平台未受理",
    "prefund_exhausted": "预付资金不足",
    "risk_review": "风控审核中（待人工复核）",
    "rejected": "复核未通过，不予赔付",
    "cancelled": "结算已冲正，理赔撤销",
}
CLASS_REASONS = {  # projection payload field → reason code of its burden class
    "fulamt_ownpay_amt": "out_of_scope",
    "overlmt_selfpay": "overlimit",
    "preselfpay_amt": "preselfpay",
    "inscp_selfpay_amt": "in_scope_selfpay",
    "cross_region_selfpay": "cross_region_selfpay",
}
LINE_REASONS = {"fulamt_ownpay_amt": "out_of_scope", "overlmt_amt": "overlimit", "preselfpay_amt": "preselfpay"}


def coding(system_uri: str, code: str, display: str | None = None) -> dict[str, str]:
    out = {"system": system_uri, "code": code}
    if display:
        out["display"] = display
    return out


def insutype_coding(insutype: str) -> dict[str, str]:
    return coding(INSUTYPE, insutype, INSUTYPES.get(insutype))


def med_type_coding(med_type: str) -> dict[str, str]:
    return coding(MED_TYPE, med_type, MED_TYPES.get(med_type))


def fund_pay_type_coding(fund_pay_type: str) -> dict[str, str]:
    return coding(FUND_PAY_TYPE, fund_pay_type, FUND_PAY_TYPES.get(fund_pay_type))


def claim_type_coding(med_type: str) -> dict[str, str]:
    """FHIR's claim type: ``institutional`` for inpatient med_types, ``professional`` otherwise."""
    code = "institutional" if med_type in INPATIENT_MED_TYPES else "professional"
    return coding(HL7_CLAIM_TYPE, code)


def reason(code: str) -> dict[str, list[dict[str, str]]]:
    return {"coding": [coding(REASON, code, REASONS.get(code))]}
