"""The demo's insured population (pure, deterministic for a seed): households in the two insured
regions with names, certificate numbers, ages, sexes, insurance types and personal-account balances.

- 烟台 (370600), about 70 % of the people: in-service employees (职工 310/1101, an account of
  300–6,000 yuan), retired employees (310/1201, 1,500–12,000 yuan) and residents (居民 390: adults
  1501, children 1403, babies 1401, no account).
- 乌兰察布 (150900), the rest: residents only (the reference policy is the resident scheme).
- About 2 % of households live long-term in the other region and filed there (异地长期居住备案),
  about 1 % filed a temporary stay there; everyone else is treated away from home unfiled.

Certificate numbers follow GB 11643 (region, birth date, serial with the sex in its parity, the
ISO 7064 MOD 11-2 check character); person numbers are ``<region><8-digit serial>``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from syncsettle.money import format_yuan

YANTAI, ULANQAB = "370600", "150900"
BENEFIT_YEAR = 2026  # the demo year: identities and certifications are valid through it
OTHER_REGION = {YANTAI: ULANQAB, ULANQAB: YANTAI}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"  # noqa: E501
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鑫波斌宇浩凯秀珍健俊帆雪琳晨阳欣怡子涵梓轩博文雨桐佳怡思远嘉豪浩然一诺"  # noqa: E501


@dataclass(frozen=True, slots=True)
class Insured:
    """One synthetic insured person and their one insurance row (amounts in fen)."""

    psn_no: str
    name: str
    certno: str
    gend: str  # 1 男, 2 女
    brdy: date
    region: str
    insutype: str  # 310 职工, 390 居民
    psn_type: str
    balance: int
    cross_region: dict[str, Any] | None
    # the benefits beyond the pooled fund (:mod:`syncsettle_tools.simulation.benefits` assigns them)
    assistance: str | None = None  # 医疗救助 category (tekun / dibao / fanpin), valid through the demo year
    civil_servant: bool = False  # 公务员医疗补助 (cvlserv_flag 1)
    certifications: tuple[str, ...] = ()  # 门慢门特 disease codes certified for the demo year
    family_holder: str | None = None  # whose employee account pays after this person's own (家庭共济)

    @property
    def employee(self) -> bool:
        return self.insutype == "310"

    def age_on(self, day: date) -> int:
        return day.year - self.brdy.year - ((day.month, day.day) < (self.brdy.month, self.brdy.day))

    def as_import(self) -> dict[str, Any]:
        """The person as ``admin.import_persons`` (and ``syncsettle persons import``) takes them."""
        row: dict[str, Any] = {"insutype": self.insutype, "psn_type": self.psn_type, "balc": format_yuan(self.balance)}
        if self.cross_region is not None:
            row["cross_region"] = self.cross_region
        if self.civil_servant:
            row["cvlserv_flag"] = "1"
        item = {"psn_no": self.psn_no, "psn_name": self.name, "certno": self.certno, "gend": self.gend,
                "brdy": self.brdy.isoformat(), "insuplc_admdvs": self.region, "insuinfo": [row]}  # fmt: skip
        year = BENEFIT_YEAR
        if self.assistance:
            item["idetinfo"] = [{"psn_idet_type": self.assistance, "begntime": f"{year}-01-01 00:00:00",
                                 "endtime": f"{year}-12-31 23:59:59"}]  # fmt: skip
        if self.certifications:
            item["certifications"] = [{"opsp_dise_code": code, "begndate": f"{year}-01-01"}
                                      for code in self.certifications]  # fmt: skip
        if self.family_holder:
            item["family_accounts"] = [{"psn_no": self.family_holder, "begndate": f"{year}-01-01", "consented": True}]
        return item


@dataclass(frozen=True, slots=True)
class Household:
    """People who enroll together: the holder pays (from their personal account when they have one)."""

    holder: Insured
    members: tuple[Insured, ...]

    @property
    def everyone(self) -> tuple[Insured, ...]:
        return (self.holder, *self.members)

    @property
    def region(self) -> str:
        return self.holder.region


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-character identity number."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return "10X98765432"[total % 11]


class Population:
    """Draws households one after another from one random stream (so a seed fixes everyone)."""

    def __init__(self, rng: random.Random, today: date) -> None:
        self.rng = rng
        self.today = today
        self.serial = {YANTAI: 0, ULANQAB: 0}

    def households(self, persons: int) -> list[Household]:
        out: list[Household] = []
        count = 0
        while count < persons:
            region = YANTAI if self.rng.random() < 0.7 else ULANQAB
            size = min(persons - count, self.rng.choices((1, 2, 3, 4), (30, 35, 20, 15))[0])
            out.append(self.household(region, size))
            count += size
        return out

    def household(self, region: str, size: int) -> Household:
        rng = self.rng
        surname = rng.choice(SURNAMES)
        roll = rng.random()
        cross = None
        if roll < 0.02:
            cross = {"filed": True, "kind": "long_term", "filed_region": OTHER_REGION[region]}
        elif roll < 0.03:
            cross = {"filed": True, "kind": "temporary", "filed_region": OTHER_REGION[region]}
        holder_age = rng.randint(24, 82)
        people = [self.person(region, surname, holder_age, cross, adult=True)]
        if size >= 2:
            spouse_age = max(22, min(90, holder_age + rng.randint(-5, 5)))
            people.append(self.person(region, rng.choice(SURNAMES), spouse_age, cross, adult=True))
        for _ in range(size - len(people)):
            if holder_age < 55:
                child_age = rng.randint(0, max(0, min(17, holder_age - 22)))
                people.append(self.person(region, surname, child_age, cross, adult=False))
            else:
                people.append(
                    self.person(region, surname, rng.randint(22, max(23, holder_age - 22)), cross, adult=True)
                )
        return Household(people[0], tuple(people[1:]))

    def person(self, region: str, surname: str, age: int, cross: dict[str, Any] | None, *, adult: bool) -> Insured:
        rng = self.rng
        self.serial[region] += 1
        serial = self.serial[region]
        gend = rng.choice("12")
        brdy = self.today - timedelta(days=age * 365 + rng.randint(0, 364))
        name = surname + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
        seq = f"{rng.randint(0, 498) // 2 * 2 + (1 if gend == '1' else 0):03d}"  # odd for men, even for women
        first17 = f"{region[:4]}{rng.randint(1, 12):02d}{brdy:%Y%m%d}{seq}"
        certno = first17 + check_character(first17)
        insutype, psn_type, balance = self.scheme(region, age, adult)
        return Insured(f"{region}{serial:08d}", name, certno, gend, brdy, region, insutype, psn_type, balance, cross)

    def scheme(self, region: str, age: int, adult: bool) -> tuple[str, str, int]:
        """Insurance type, person type and personal-account balance (fen) for someone of ``age``."""
        rng = self.rng
        if not adult or age < 18:
            return "390", ("1401" if age < 1 else "1403"), 0
        if region == YANTAI:
            if age >= 60 and rng.random() < 0.65:
                return "310", "1201", rng.randint(1_500, 12_000) * 100 + rng.randint(0, 99)
            if age < 60 and rng.random() < 0.62:
                return "310", "1101", rng.randint(300, 6_000) * 100 + rng.randint(0, 99)
        return "390", "1501", 0
