"""Realistic bills for the demo's visits (pure, deterministic for a random stream).

Every line names an item of the treatment region's catalogue (``config/catalogues``), so its class
comes from the catalogue: 甲类 lines, 乙类 lines with their up-front self-pay share, 丙类 lines
(traditional-medicine pieces, the high-cost drugs), and items with a price cap that hospitals of a
higher level charge above (bed days, CT, statins) — the excess is 超限价. The hospital level scales
the prices (level 1: 80 %, level 2: 100 %, level 3: 125 %).

Diagnoses are ICD-10 codes; an oncology stay or course of treatment sometimes carries a drug of a
product's drug list (烟台 高额/特效药品, 安阳 特定药品). Amounts are fen; a line is
``(code, count, unit price in fen)`` and its amount is exactly count × price.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

LEVEL_PRICE = {"1": 80, "2": 100, "3": 125}  # percent of the level-2 price

# catalogue codes used below
CONSULT, BED, LAB, CT, SURGERY = "001101000010000", "001102000010000", "250101001", "210300001", "331001001"
ASPIRIN, AMOXICILLIN, STATIN, BEVACIZUMAB = "XB01AC-0001", "XJ01CR-0002", "XC10AA-0003", "XL01XC-0004"
TCM, IMPLANT = "ZA03-0005", "C14-0006"
LIST_DRUGS = {  # drug-list drugs and the price of one pack or vial (fen)
    "XL01FD-BLT01": 7_692_000,  # 倍利妥, 烟台 高额药品 (丙类)
    "XL01EX-PJH01": 2_980_000,  # 普吉华, 烟台 高额药品 (丙类)
    "XL01FF-YFF01": 1_630_000,  # 英飞凡, 烟台 高额药品 (丙类)
    "XL01FD-YHD01": 560_000,  # 优赫得, 烟台 特效药品 (乙类 10 %)
    "XL01FF-KRD01": 1_790_000,  # 可瑞达, 烟台 特效药品 (乙类 10 %)
    "XL01FF-ODW01": 926_000,  # 欧狄沃, 安阳 特定药品 (丙类)
    "XL01ED-ALB01": 1_500_000,  # Alunbrig, 安阳 特定药品 (丙类)
}
CODES = frozenset({CONSULT, BED, LAB, CT, SURGERY, ASPIRIN, AMOXICILLIN, STATIN, BEVACIZUMAB, TCM, IMPLANT,
                   *LIST_DRUGS})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Line:
    code: str
    count: int
    price: int  # fen per unit

    @property
    def amount(self) -> int:
        return self.count * self.price


@dataclass(frozen=True, slots=True)
class Bill:
    """One visit's care: ``med_type`` (national code), what it is, diagnoses and the fee lines."""

    med_type: str
    label: str
    diagnoses: tuple[str, ...]
    lines: tuple[Line, ...]

    @property
    def inpatient(self) -> bool:
        return self.med_type in ("21", "24", "28")

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


def missing_codes(catalogue_codes: Iterable[str]) -> set[str]:
    """The codes bills use that a catalogue lacks (the demo refuses to start with any)."""
    return set(CODES) - set(catalogue_codes)


class Bills:
    """Draws bills from one random stream."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def price(self, base: int, level: str, spread: int = 15) -> int:
        """A unit price in fen: ``base`` (the level-2 price, fen) scaled for the hospital level and moved
        by up to ``spread`` percent either way, rounded to whole jiao (integer arithmetic)."""
        scaled = base * LEVEL_PRICE[level] * (100 + self.rng.randint(-spread, spread))
        return max(10, (scaled + 50_000) // 100_000 * 10)

    def line(self, level: str, code: str, count: int, base: int, spread: int = 15) -> Line:
        return Line(code, count, self.price(base, level, spread))

    def outpatient(self, level: str, *, oncology_share: float = 0.012) -> Bill:
        rng = self.rng

        def line(code: str, count: int, base: int, spread: int = 15) -> Line:
            return self.line(level, code, count, base, spread)

        med_type = "13" if rng.random() < 0.06 else "11"
        lines = [line(CONSULT, 1, 2_000, 0)]
        if rng.random() < oncology_share:
            drug = rng.choice(("XL01FD-YHD01", "XL01FF-KRD01", "XL01FF-ODW01", "XL01FD-YHD01", "XL01FD-BLT01"))
            lines += [line(LAB, 1, 2_500, 0), Line(drug, rng.randint(1, 2), LIST_DRUGS[drug])]
            return Bill("11", "肿瘤门诊用药", (rng.choice(("C34.9", "C50.9", "C16.9")),), tuple(lines))
        kind = rng.choices(("cold", "chronic", "stomach", "injury", "check"), (34, 30, 14, 10, 12))[0]
        if kind == "cold":
            lines += [line(LAB, 1, 2_500, 0), line(AMOXICILLIN, rng.randint(1, 3), 8_650, 5)]
            return Bill(med_type, "上呼吸道感染", ("J06.9",), tuple(lines))
        if kind == "chronic":
            lines += [line(STATIN, rng.choice((14, 28, 28, 56)), 420, 5), line(ASPIRIN, rng.choice((30, 60)), 50, 10)]
            return Bill("11", "高血压/高脂血症复诊", (rng.choice(("I10", "E78.5", "E11.9")),), tuple(lines))
        if kind == "stomach":
            lines += [line(TCM, rng.randint(7, 14), 3_800, 20)]
            return Bill("11", "慢性胃炎（中药饮片）", ("K29.7",), tuple(lines))
        if kind == "injury":
            lines += [line(CT, 1, 20_000, 5), line(LAB, 1, 2_500, 0)]
            return Bill(med_type, "外伤检查", (rng.choice(("S06.0", "S52.5", "R51")),), tuple(lines))
        lines += [line(LAB, rng.randint(1, 3), 2_500, 0)]
        return Bill("11", "复查", ("Z09.8",), tuple(lines))

    def chronic(self, level: str, disease: str) -> Bill:
        """A 门慢 follow-up (``med_type`` 14) for a certified disease: consultation, lab, a month of drugs."""

        def line(code: str, count: int, base: int, spread: int = 15) -> Line:
            return self.line(level, code, count, base, spread)

        rng = self.rng
        lines = [line(CONSULT, 1, 2_000, 0), line(LAB, 1, 2_500, 0),
                 line(STATIN, rng.choice((28, 56)), 420, 5), line(ASPIRIN, rng.choice((30, 60)), 50, 10)]  # fmt: skip
        label = {"MM-HYP": "门慢 高血压", "MM-DIA": "门慢 糖尿病"}.get(disease, "门慢")
        return Bill("14", label, (disease,), tuple(lines))

    def special(self, level: str, disease: str) -> Bill:
        """A 门特 course (``med_type`` 14): dialysis sessions (the dialysers as high-value consumables)
        for 尿毒症, a chemotherapy cycle for 恶性肿瘤."""

        def line(code: str, count: int, base: int, spread: int = 15) -> Line:
            return self.line(level, code, count, base, spread)

        rng = self.rng
        if disease == "MT-URE":
            lines = [line(LAB, 2, 2_500, 0), line(IMPLANT, rng.randint(4, 12), 45_000, 10)]
            return Bill("14", "门特 尿毒症透析", (disease,), tuple(lines))
        lines = [line(LAB, 2, 2_500, 0), line(CT, 1, 20_000, 5), line(BEVACIZUMAB, rng.randint(2, 4), 260_000, 5)]
        return Bill("14", "门特 恶性肿瘤放化疗", (disease,), tuple(lines))

    def inpatient(self, level: str) -> Bill:
        rng = self.rng

        def line(code: str, count: int, base: int, spread: int = 15) -> Line:
            return self.line(level, code, count, base, spread)

        kinds = {
            "appendix": (20, 3, 6),
            "pneumonia": (22, 5, 10),
            "stroke": (16, 8, 18),
            "fracture": (14, 6, 14),
            "cancer": (16, 4, 12),
            "major": (12, 14, 30),
        }  # weight, shortest and longest stay (days)
        kind = rng.choices(list(kinds), [k[0] for k in kinds.values()])[0]
        days = rng.randint(*kinds[kind][1:])
        lines = [line(BED, days, 5_000, 10), line(LAB, rng.randint(2, 6), 2_500, 0)]
        if kind == "appendix":
            lines += [line(SURGERY, 1, 320_000), line(AMOXICILLIN, days, 8_650, 5)]
            return Bill("28" if days <= 3 else "21", "阑尾切除术", ("K35.8",), tuple(lines))
        if kind == "pneumonia":
            lines += [
                line(CT, 1, 20_000, 5),
                line(AMOXICILLIN, days * 2, 8_650, 5),
                line(TCM, rng.choice((1, 7)), 3_800, 20),
            ]
            return Bill("21", "社区获得性肺炎", ("J18.9",), tuple(lines))
        if kind == "stroke":
            lines += [line(CT, rng.randint(1, 3), 20_000, 5), line(ASPIRIN, days, 50, 10), line(STATIN, days, 420, 5),
                      line(IMPLANT, 1, 260_000, 30)]  # fmt: skip
            return Bill(rng.choice(("21", "24")), "脑梗死", ("I63.9",), tuple(lines))
        if kind == "fracture":
            lines += [
                line(SURGERY, 1, 800_000, 30),
                line(IMPLANT, rng.randint(1, 4), 260_000, 30),
                line(CT, 1, 20_000, 5),
            ]
            return Bill("21", "股骨颈骨折内固定", ("S72.0",), tuple(lines))
        if kind == "cancer":
            lines += [line(BEVACIZUMAB, rng.randint(2, 6), 260_000, 5), line(CT, 1, 20_000, 5),
                      line(TCM, rng.randint(1, 14), 3_800, 20)]  # fmt: skip
            if rng.random() < 0.6:
                drug = rng.choice(sorted(LIST_DRUGS))
                lines.append(Line(drug, rng.randint(2, 4), LIST_DRUGS[drug]))
            return Bill("21", "肺癌化疗/靶向治疗", (rng.choice(("C34.9", "C18.9", "C50.9")),), tuple(lines))
        lines += [line(SURGERY, 1, rng.choice((4_000_000, 8_000_000, 16_000_000)), 30),
                  line(IMPLANT, rng.randint(2, 8), 260_000, 30), line(CT, rng.randint(2, 5), 20_000),
                  line(BEVACIZUMAB, rng.randint(1, 4), 260_000, 5),
                  line(TCM, rng.randint(1, 20), 3_800, 20)]  # fmt: skip
        return Bill("21", "重大手术及重症监护", (rng.choice(("I21.9", "I61.9", "N18.5", "K74.6")),), tuple(lines))
