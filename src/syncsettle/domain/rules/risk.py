"""Schema of a risk-rule file (风控规则): declarative, versioned, effective-dated, validated at load.

Each rule names the *kind* of fact it looks at (a fee line, the visit, an item over a time window,
the person's day, a readmission, a hospital against its peers), the stages it runs at (``pre`` =
3101 事前, ``during`` = 3102 / pre-settlement / settlement 事中, ``post`` = the batch scan 事后),
a CEL expression ``when`` that decides whether a candidate is a violation, a CEL expression
``amount`` giving the amount it puts in question (integer fen), and a ``text`` template for
``vola_cont``. CEL (Common Expression Language) cannot loop unboundedly, call Python or touch
anything outside the values it is given, so a rule file is data, never code.

Parameters: ``params`` (small, shared by every candidate) and ``items`` (per item code or code
prefix ``"XL01*"`` → that item's parameters, exposed on the candidate as ``<var>.p``). A float is
refused anywhere; an amount is written ``{yuan: "150.00"}`` and reaches CEL as integer fen.
The text template takes ``{path}`` or ``{path:yuan}`` (fen shown as a yuan string).
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from syncsettle.domain.rules.fields import Amount, Effective, Strict, check_versions, pick_version
from syncsettle.domain.rules.risk_expressions import ExpressionError, RuleProgram, check_text, compile_rule, dry_run
from syncsettle.domain.rules.risk_facts import SAMPLES, sample_context
from syncsettle.money import parse_yuan

STAGES = ("pre", "during", "post")
SEV_DEGS = {"1": "明确违规", "2": "高度可疑", "3": "可疑"}  # national sev_deg; "3" is this platform's reading
Stage = Literal["pre", "during", "post"]


def _convert(value: Any, where: str) -> Any:
    """Rule parameters as CEL will see them: ``{yuan: "1.50"}`` → 150 (fen); floats refused."""
    if isinstance(value, float):
        raise ValueError(f'{where}: a float is not allowed in a rule file; write an integer or {{yuan: "{value}"}}')
    if isinstance(value, dict):
        if set(value) == {"yuan"}:
            return parse_yuan(value["yuan"])
        return {str(k): _convert(v, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_convert(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if value is None or isinstance(value, bool | int | str):
        return value
    raise ValueError(f"{where}: unsupported value {value!r}")


Params = Annotated[dict[str, Any], Field(default_factory=dict)]


class RuleBase(Strict):
    """What every rule has: identity, severity, where it runs, the two expressions and the text."""

    id: str = Field(min_length=1, max_length=40)
    name: str
    sev_deg: Literal["1", "2", "3"]
    stages: list[Stage] = ["pre", "during", "post"]
    behaviour: str = Field(default="", description="vola_bhvr_type: the kind of behaviour (重复收费, 超量开药…)")
    basis: str = Field(default="", description="vola_evid: the regulation the rule rests on")
    when: str
    amount: str
    text: str
    params: Params
    items: dict[str, Any] = {}

    @field_validator("params", "items", mode="before")
    @classmethod
    def _no_float(cls, value: Any) -> Any:
        return _convert(value, "params") if isinstance(value, dict) else value

    @field_validator("stages")
    @classmethod
    def _some_stage(cls, value: list[str]) -> list[str]:
        if not value or len(set(value)) != len(value):
            raise ValueError(f"stages must be distinct values of {list(STAGES)}")
        return value

    @model_validator(mode="after")
    def _expressions(self) -> RuleBase:
        """Compile ``when``/``amount`` and dry-run them and the text on the kind's sample facts."""
        kind: str = getattr(self, "kind")  # noqa: B009 - every concrete rule has a kind
        program = self.program
        p: Any = next(iter(self.items.values()), {}) if self.items else {}
        try:
            dry_run(program, kind, SAMPLES, self.params, p)
            check_text(self.text, sample_context(kind, program.var, self.params, p))
        except ExpressionError as exc:
            raise ValueError(str(exc)) from None
        return self

    @cached_property
    def program(self) -> RuleProgram:
        try:
            return compile_rule(getattr(self, "kind"), self.when, self.amount)  # noqa: B009
        except ExpressionError as exc:
            raise ValueError(str(exc)) from None

    @cached_property
    def exact_items(self) -> dict[str, Any]:
        return {k: v for k, v in self.items.items() if not k.endswith("*")}

    @cached_property
    def prefix_items(self) -> tuple[tuple[str, Any], ...]:
        """Prefix entries, longest first, so the most specific prefix wins."""
        pairs = [(k[:-1], v) for k, v in self.items.items() if k.endswith("*")]
        return tuple(sorted(pairs, key=lambda kv: -len(kv[0])))

    def item_params(self, code: str) -> tuple[bool, Any]:
        """(selected, parameters) of an item code: a rule without ``items`` selects every code."""
        if not self.items:
            return True, {}
        if code in self.exact_items:
            return True, self.exact_items[code]
        for prefix, value in self.prefix_items:
            if code.startswith(prefix):
                return True, value
        return False, None


class LineRule(RuleBase):
    """Each fee line of the bill (``line``): gender/age-inconsistent items, price or quantity caps,
    items inconsistent with the diagnosis."""

    kind: Literal["line"]


class VisitRule(RuleBase):
    """The visit as a whole (``visit``): length-of-stay outliers, totals."""

    kind: Literal["visit"]


class FrequencyRule(RuleBase):
    """An item of the bill against the person's lines of the same item within ``window_days``
    ending on the line's day (1 = the same day): duplicate lines, frequency limits (``item``).

    The limit is ``items[code].limit`` when given, else ``limit``; ``measure`` counts lines or
    quantity. Only groups above their limit become candidates."""

    kind: Literal["item_frequency"]
    window_days: int = Field(ge=1, le=366)
    limit: int | None = Field(default=None, ge=0)
    measure: Literal["lines", "quantity"] = "lines"

    @model_validator(mode="after")
    def _has_limit(self) -> FrequencyRule:
        if self.limit is None and not all(isinstance(v, dict) and "limit" in v for v in self.items.values()):
            raise ValueError("give a rule-wide limit or a limit for every entry of items")
        if self.limit is None and not self.items:
            raise ValueError("give a rule-wide limit or items with limits")
        return self


class PersonDayRule(RuleBase):
    """The person's visits on each day of the bill, across hospitals (``day``)."""

    kind: Literal["person_day"]


class ReadmissionRule(RuleBase):
    """An inpatient admission within ``window_days`` of the person's previous discharge (``readmission``)."""

    kind: Literal["readmission"]
    window_days: int = Field(ge=1, le=366)


class HospitalShareRule(RuleBase):
    """Batch only: each hospital's share of high-cost lines (a line of at least ``high_cost_line``)
    against hospitals of the same level in the period (``hospital``, ``peers``)."""

    kind: Literal["hospital_share"]
    high_cost_line: Amount
    min_lines: int = Field(default=1, ge=1)
    stages: list[Stage] = ["post"]

    @field_validator("stages")
    @classmethod
    def _post_only(cls, value: list[str]) -> list[str]:
        if value != ["post"]:
            raise ValueError("a hospital-level rule runs only in the batch scan: stages must be [post]")
        return value


Rule = Annotated[
    LineRule | VisitRule | FrequencyRule | PersonDayRule | ReadmissionRule | HospitalShareRule,
    Field(discriminator="kind"),
]


class HoldThreshold(Strict):
    """Phase 2: findings at or above this severity whose amounts in question add up to at least
    ``min_vola_amt`` hold the product's commercial leg for review (never the basic leg)."""

    max_sev_deg: Literal["1", "2", "3"] = "1"
    min_vola_amt: Amount = 0


class RiskVersion(Effective):
    """One effective-dated version of a rule set."""

    rules: list[Rule]
    holds: dict[str, HoldThreshold] = Field(default={}, description="product id (or 'default') → hold threshold")

    @model_validator(mode="after")
    def _unique(self) -> RiskVersion:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique within a version")
        return self

    @cached_property
    def lookback_days(self) -> int:
        """How far back the person's history must reach for every rule of this version."""
        windows = [r.window_days for r in self.rules if isinstance(r, FrequencyRule | ReadmissionRule)]
        return max([1, *windows])


class RiskRuleSet(Strict):
    """A risk-rule file: an id and its versions."""

    kind: Literal["risk"] = "risk"
    id: str
    name: str
    source: str = ""
    versions: list[RiskVersion]

    @model_validator(mode="after")
    def _valid(self) -> RiskRuleSet:
        check_versions(self.versions)
        return self

    def version_on(self, day: Any) -> RiskVersion | None:
        return pick_version(self.versions, day)
