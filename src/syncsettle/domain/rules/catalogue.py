"""Schema of a medical-insurance catalogue (就医地目录) of one treatment region.

For a ``med_list_codg`` the catalogue supplies the charge level (``chrgitm_lv`` 01 甲类 / 02 乙类 /
03 丙类), the 乙类 up-front co-pay ratio ``selfpay_prop`` and the unit price cap
``pric_uplmt_amt``. A fee line may carry these itself; what the line gives wins.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cached_property

from pydantic import Field, model_validator

from syncsettle.domain.rules.fields import Amount, Ratio, Strict


class CatalogueEntry(Strict):
    name: str
    chrgitm_lv: str = Field(pattern=r"^0[123]$")
    selfpay_prop: Ratio | None = None
    pric_uplmt_amt: Amount | None = None
    med_chrgitm_type: str = "14"

    @cached_property
    def applied(self) -> tuple[str, Fraction | None, int | None, str, tuple[int, int, int] | None]:
        """What a line takes from this entry, once per entry instead of once per line: charge level,
        ``selfpay_prop``, price cap, charge type, and ``selfpay_prop`` as ``(2 × numerator, denominator,
        2 × denominator)`` for the line split's half-up rounding."""
        prop = self.selfpay_prop
        halves = None
        if prop is not None:
            numerator, denominator = prop.as_integer_ratio()
            halves = 2 * numerator, denominator, 2 * denominator
        return self.chrgitm_lv, prop, self.pric_uplmt_amt, self.med_chrgitm_type, halves

    @model_validator(mode="after")
    def _prop_for_class_b(self) -> CatalogueEntry:
        if self.chrgitm_lv == "02" and self.selfpay_prop is None:
            raise ValueError("a 乙类 (02) entry needs selfpay_prop")
        return self


class Catalogue(Strict):
    kind: str = Field(default="catalogue", pattern="^catalogue$")
    region: str = Field(pattern=r"^\d{6}$")
    name: str = ""
    entries: dict[str, CatalogueEntry]
