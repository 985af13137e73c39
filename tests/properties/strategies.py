"""Hypothesis strategies: bills, persons and accumulators around every reference policy and product."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from hypothesis import strategies as st

from syncsettle.adapters.rulebook import shipped_rulebook
from syncsettle.domain.settlement.model import (
    BasicAccumulators,
    BenefitAccumulator,
    Bill,
    Coverage,
    CrossRegion,
    FamilyAccount,
    FeeLine,
    Person,
    ProductAccumulators,
    ResponsibilityAccumulator,
)

POLICIES = {"yantai-employee-2025": ("310", "370600"), "yantai-resident-2025": ("390", "370600"),
            "ulanqab-resident-2019": ("390", "150900"), "yantai-employee-2026": ("310", "370600"),
            "yantai-resident-2026": ("390", "370600")}  # fmt: skip
DISEASES = ["MT-URE", "MT-CAN", "MM-HYP", "MM-DIA"]
PRODUCTS = [
    "yantai-shiminjiankangbao-2025",
    "anyang-puhui-2022",
    "hainan-huiqiongbao-2026-a",
    "acme-supplementary-2025",
]
DRUG_CODES = ["XL01FD-BLT01", "XL01EX-PJH01", "XL01FD-YHD01", "XL01FF-ODW01", "XL01ED-ALB01", "XL01FF-KRD01"]
DAY = date(2026, 6, 1)  # every reference policy and product is in force


@st.composite
def fee_lines(draw: st.DrawFn, count: int) -> tuple[FeeLine, ...]:
    lines = []
    for i in range(count):
        lv = draw(st.sampled_from(["01", "02", "03"]))
        code = draw(st.sampled_from([*DRUG_CODES, "ORD-1", "ORD-2", "ORD-3", "ORD-4"]))
        pric = draw(st.integers(1, 3_000_000)) * 10_000  # 0.01 .. 30000.00 yuan, in 10^-6 yuan
        cap = draw(st.none() | st.integers(1, 3_000_000))
        lines.append(
            FeeLine(
                feedetl_sn=str(i + 1),
                med_list_codg=code,
                cnt=draw(st.sampled_from([10_000, 20_000, 5_000, 30_000, 12_345])),
                pric=pric,
                chrgitm_lv=lv,
                selfpay_prop=Fraction(draw(st.sampled_from([5, 10, 20, 30])), 100) if lv == "02" else None,
                pric_uplmt=cap,
            )
        )
    return tuple(lines)


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    policy_id = draw(st.sampled_from(sorted(POLICIES)))
    insutype, region = POLICIES[policy_id]
    psn_type = draw(st.sampled_from(["1101", "1201"] if insutype == "310" else ["1501", "1403"]))
    treatment = draw(st.sampled_from([region, region, "370200", "110000"]))
    cross = draw(
        st.none()
        | st.builds(
            CrossRegion,
            filed=st.booleans(),
            kind=st.sampled_from(["long_term", "temporary", "referral", "emergency"]),
            filed_region=st.sampled_from([None, "110000", "370200"]),
        )
    )
    person = Person(
        psn_no="P",
        insutype=insutype,
        psn_type=psn_type,
        insured_region=region,
        cross_region=cross,
        use_personal_account=draw(st.booleans()),
        account_balance=draw(st.integers(0, 2_000_000)),
        assistance_category=draw(st.sampled_from([None, None, "tekun", "dibao", "fanpin"])),
        civil_servant=insutype == "310" and draw(st.booleans()),
        certifications=tuple(draw(st.lists(st.sampled_from(DISEASES), unique=True, max_size=3))),
        family_accounts=tuple(
            FamilyAccount(f"F{i}", draw(st.integers(0, 500_000)))
            for i in range(draw(st.integers(0, 3) if insutype == "310" else st.just(0)))
        ),
    )
    bill = Bill(
        med_type=draw(st.sampled_from(["11", "13", "14", "21", "24", "41"])),
        hospital_level=draw(st.sampled_from(["1", "2", "3"])),
        treatment_region=treatment,
        lines=draw(fee_lines(draw(st.integers(1, 12)))),
        diagnoses=(draw(st.sampled_from([*DISEASES, "I10"])),),
    )
    fen = st.integers(0, 60_000_000)
    benefit = st.builds(BenefitAccumulator, deductible_used=st.integers(0, 200_000), fund_paid=fen)
    basic = BasicAccumulators(
        inpatient=draw(benefit),
        outpatient=draw(
            st.builds(BenefitAccumulator, deductible_used=st.integers(0, 30_000), fund_paid=st.integers(0, 600_000))
        ),
        admissions=draw(st.integers(0, 4)),
        subsidy_base=draw(st.integers(0, 15_000_000)),
        subsidy_paid=draw(st.integers(0, 45_000_000)),
        category_paid=(
            ("civil_servant", draw(st.integers(0, 6_000_000))),
            ("medical_assistance", draw(st.integers(0, 7_000_000))),
        ),
        assistance_base=draw(st.integers(0, 1_000_000)),
        chronic_deductible_used=draw(st.integers(0, 30_000)),
        disease_paid=tuple((d, draw(st.integers(0, 350_000))) for d in ("MM-DIA", "MM-HYP")),
        referrals=draw(st.integers(0, 3)),
    )
    book = shipped_rulebook()
    chosen = draw(st.lists(st.sampled_from(PRODUCTS), unique=True, max_size=3))
    coverages = []
    for pid in chosen:
        product = book.products[pid]
        version = product.version_on(DAY)
        assert version is not None
        accs = tuple(
            (r.id, ResponsibilityAccumulator(draw(st.integers(0, 4_000_000)), draw(st.integers(0, 160_000_000))))
            for r in version.responsibilities
        )
        coverages.append(
            (
                product,
                Coverage(
                    product_id=pid,
                    pre_existing=draw(st.booleans()),
                    enrolled_years=draw(st.integers(0, 5)),
                    claim_free_years=draw(st.integers(0, 7)),
                    claimed_last_year=draw(st.booleans()),
                    accumulators=ProductAccumulators(accs, draw(st.none() | st.integers(0, 140_000_000))),
                ),
            )
        )
    policy = book.policies[policy_id].version_on(DAY)
    return {"person": person, "bill": bill, "basic": basic, "coverages": coverages, "policy": policy,
            "catalogue": book.catalogue_for(treatment)}  # fmt: skip
