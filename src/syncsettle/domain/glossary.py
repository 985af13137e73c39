"""The platform's Chinese vocabulary, in one place, so every page, slip and message uses the same
word for the same thing (the console's templates reach it as ``term('cash')``, ``field('hifp_pay')``,
``payer(...)``).

- :data:`TERMS`: the platform's own words (funds, payers, actions, places);
- :data:`FIELDS`: the national interface's field names (2207 ``setlinfo``/``setldetail``) as the
  national settlement documents write them;
- :data:`PAYER_KINDS`: the kinds of ``settlement_shares.payer_kind``.
"""

from __future__ import annotations

from syncsettle.domain.codes import FUND_PAY_TYPES, INSUTYPES, MED_TYPES, PSN_TYPES

TERMS = {
    "platform": "医保商保同步结算平台",
    "medical_fund": "医保基金",
    "pooled_fund": "统筹基金",
    "critical_illness": "大病保险",
    "large_expense": "大额补助",
    "civil_servant": "公务员补助",
    "medical_assistance": "医疗救助",
    "commercial": "商保",
    "commercial_insurance": "商业健康保险",
    "personal_account": "个人账户",
    "cash": "现金",
    "settlement": "结算",
    "reversal": "撤销",
    "clearing": "清分",
    "reconciliation": "对账",
    "total": "医疗费总额",
    "insurer": "商保机构",
    "product": "商保产品",
    "responsibility": "保险责任",
    "hospital": "定点医疗机构",
    "insured": "参保人",
    "region": "参保地",
    "policy": "保单",
    "slip_medical": "医疗保障基金结算单",
    "slip_commercial": "商业健康保险结算单",
    "verify": "验签",
    "signature": "SM2 签名",
    "latency": "结算耗时",
    "error_rate": "失败率",
    "volume": "结算笔数",
    "amount": "金额",
    "dashboard": "总览",
    "login": "登录",
    "logout": "退出",
    "risk_review": "风险复核",
    "cash_explained": (
        "个人现金支出：医保基金、商保、个人账户支付之后，参保人本次仍需以现金支付的金额（与医院收费系统、结算单所列一致）"
    ),
}

FIELDS = {
    "setl_id": "结算ID",
    "mdtrt_id": "就诊ID",
    "psn_no": "人员编号",
    "psn_name": "姓名",
    "insutype": "险种类型",
    "med_type": "医疗类别",
    "setl_time": "结算时间",
    "setl_date": "结算日期",
    "fixmedins_name": "定点医药机构名称",
    "fixmedins_code": "定点医药机构编号",
    "psn_cert_type": "人员证件类型",
    "certno": "证件号码",
    "gend": "性别",
    "naty": "民族",
    "brdy": "出生日期",
    "age": "年龄",
    "psn_type": "人员类别",
    "cvlserv_flag": "公务员标志",
    "mdtrt_cert_type": "就诊凭证类型",
    "init_setl_id": "原结算ID",
    "medins_setl_id": "医药机构结算ID",
    "clr_optins": "清算经办机构",
    "clr_way": "清算方式",
    "clr_type": "清算类别",
    "hifes_pay": "企业补充医疗保险基金支出",
    "hifdm_pay": "伤残人员医疗保障基金支出",
    "hosp_part_amt": "医院负担金额",
    "acct_mulaid_pay": "个人账户共济支付金额",
    "medfee_sumamt": "医疗费总额",
    "fulamt_ownpay_amt": "全自费金额",
    "overlmt_selfpay": "超限价自费费用",
    "preselfpay_amt": "先行自付金额",
    "inscp_scp_amt": "符合政策范围金额",
    "act_pay_dedc": "实际支付起付线",
    "hifp_pay": "基本医疗保险统筹基金支出",
    "pool_prop_selfpay": "基本医疗保险统筹基金支付比例",
    "hifmi_pay": "居民大病保险资金支出",
    "hifob_pay": "职工大额医疗费用补助基金支出",
    "cvlserv_pay": "公务员医疗补助资金支出",
    "maf_pay": "医疗救助基金支出",
    "oth_pay": "其他支出",
    "fund_pay_sumamt": "基金支付总额",
    "comm_pay": "商业健康保险支付",
    "psn_part_amt": "个人负担总金额",
    "acct_pay": "个人账户支出",
    "psn_cash_pay": "个人现金支出",
    "balc": "个人账户余额",
    "fund_pay_type": "基金支付类型",
    "crt_payb_lmt_amt": "本次可支付限额金额",
    "fund_payamt": "基金支付金额",
    "setl_proc_info": "结算过程信息",
    "base": "可赔付基数",
    "deductible_applied": "本次扣除免赔额",
    "ratio": "赔付比例",
    "payable": "赔付金额",
    "reason": "说明",
    "route": "结算模式",
}

PAYER_KINDS = {
    "fund": TERMS["medical_fund"],
    "product": TERMS["commercial"],
    "personal_account": TERMS["personal_account"],
    "cash": TERMS["cash"],
}

ROUTES = {
    "basic": "仅基本医保",
    "embedded": "医保代办",
    "dual_platform": "双平台一通道",
    "detail": "直接联通-明细",
    "category": "直接联通-大类",
    "settlement_summary": "间接联通-结算数据",
}

CODES: dict[str, dict[str, str]] = {
    "insutype": INSUTYPES,
    "med_type": MED_TYPES,
    "psn_type": PSN_TYPES,
    "fund_pay_type": FUND_PAY_TYPES,
    "gend": {"1": "男", "2": "女", "9": "未说明"},
    "psn_cert_type": {"01": "居民身份证"},
    "mdtrt_cert_type": {"01": "医保电子凭证", "02": "居民身份证", "03": "社会保障卡"},
    "cvlserv_flag": {"0": "否", "1": "是"},
    "clr_way": {"01": "按项目结算", "02": "按病种结算", "03": "按床日结算", "04": "按人头结算", "05": "按DRG点数结算"},
    "clr_type": {"11": "门诊", "21": "住院", "41": "定点药店购药", "99": "其他"},
}
"""The national code tables by field: a code is shown as ``code 名称`` (:func:`value`)."""

STATUSES = {"settled": "已结算", "reversed": "已撤销", "reversal": "撤销冲销"}


def term(key: str) -> str:
    """The platform's word for ``key`` (a missing key is a bug: it raises)."""
    return TERMS[key]


def field(name: str) -> str:
    """The national document's name of a field, or the field itself when it has none here."""
    return FIELDS.get(name, name)


def value(name: str, code: object, regions: dict[str, str] | None = None) -> str:
    """A national field's value for people: a code with its name (``1101 在职职工``), a region code
    with its name when ``regions`` knows it (``clr_optins``), anything else as it is."""
    text = "" if code is None else str(code)
    if name == "clr_optins" and regions and text in regions:
        return f"{text} {regions[text]}"
    names = CODES.get(name)
    if names and text in names:
        return f"{text} {names[text]}"
    return text


def fund_name(fund_pay_type: str) -> str:
    return FUND_PAY_TYPES.get(fund_pay_type, fund_pay_type)


def payer(code: str, product_names: dict[str, str] | None = None) -> str:
    """A ``settlement_shares.payer`` for people: a fund's name, a product's name, 个人账户, 现金."""
    if code == "acct":
        return TERMS["personal_account"]
    if code.startswith("acct_mulaid:"):  # 家庭共济: a family member's personal account
        return f"家庭共济（{code.removeprefix('acct_mulaid:')} 的{TERMS['personal_account']}）"
    if code == "cash":
        return TERMS["cash"]
    if code.startswith("product:"):
        product = code.removeprefix("product:")
        return (product_names or {}).get(product, product)
    return fund_name(code)


RECIPIENTS = {
    "medical-insurance:underwriting": "医保平台内核保判断（数据未离开医保，只提供核保结论）",
}
"""Audit recipients that are not an insurer: what a person reads in 谁用了我的数据."""

_NOTES: tuple[tuple[str, str], ...] = (
    (r"consent granted", "您授权"),
    (r"consent revoked", "您撤回授权"),
    (r"not the caller's settlement", "非本人结算，拒绝查看"),
    (r"cancelled, refund (?P<amount>[-0-9.]+)", "退保，退还保费 {amount} 元"),
    (r"rule (?P<rule>\S+): (?P<n>\d+) diagnoses", "核保规则 {rule}：读取 {n} 条诊断记录"),
)


def note(reason: str | None) -> str:
    """An audit entry's note in Chinese: the platform's fixed English notes and the route names
    (``detail``, ``detail: channel_timeout``) translated; anything else as it was written."""
    import re

    from syncsettle.domain.commercial.pending import PendingReason

    text = (reason or "").strip()
    for pattern, chinese in _NOTES:
        m = re.fullmatch(pattern, text)
        if m:
            return chinese.format(**m.groupdict())
    route, _, why = text.partition(": ")
    if route in ROUTES:
        reasons = {r.value: r.text for r in PendingReason}
        return ROUTES[route] + (f"：{reasons.get(why, why)}" if why else "")
    return text


def recipient(code: str | None, names: dict[str, str] | None = None) -> str:
    """An audit entry's recipient for people: an insurer's name, the platform's own uses by name."""
    text = code or ""
    return (names or {}).get(text) or RECIPIENTS.get(text, text)


COLUMNS = {
    # insurer statements (adapters/db/commercial_lines.STATEMENT_COLUMNS)
    "setl_id": FIELDS["setl_id"], "init_setl_id": FIELDS["init_setl_id"], "setl_date": FIELDS["setl_date"],
    "fixmedins_code": FIELDS["fixmedins_code"], "mdtrt_id": FIELDS["mdtrt_id"], "psn_no": FIELDS["psn_no"],
    "product_id": "商保产品编号", "route": FIELDS["route"], "resp_id": "保险责任编号", "resp_name": "保险责任名称",
    "base": FIELDS["base"], "deductible": "免赔额", "payable": FIELDS["payable"],
    # payment instructions (domain/clearing/instructions.HEADER)
    "window_id": "清分窗口", "seq": "序号", "ledger": "账目", "direction": "划拨方向", "payer": "付款方",
    "payer_account": "付款账户", "hospital": "定点医疗机构", "hospital_account": "医疗机构账户", "amount": "金额（元）",
}  # fmt: skip
"""Column headers of the files people download from the console (CSV with a byte-order mark, XLSX):
the Chinese name of each machine column; reading a returned file accepts either."""


def column_key(header: str) -> str:
    """The machine name of a downloaded file's column header (Chinese or machine name)."""
    text = header.strip().lstrip("\ufeff")
    return next((key for key, name in COLUMNS.items() if name == text), text)
