"""Load rule files (policies, products, catalogues) from YAML and validate them with the schemas.

A malformed file is rejected at load with the file, the field and the reason, e.g.
``products/x.yaml: versions[0].responsibilities[1].ratio.standard: must be a decimal string``.
The shipped reference files live in ``syncsettle/config``; more directories can be added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from syncsettle.domain.rules.catalogue import Catalogue, CatalogueEntry
from syncsettle.domain.rules.policy import Policy, PolicyVersion
from syncsettle.domain.rules.product import Product
from syncsettle.domain.rules.risk import RiskRuleSet, RiskVersion

SHIPPED = Path(__file__).resolve().parent.parent / "config"
_KINDS: dict[str, type[BaseModel]] = {"policy": Policy, "product": Product, "catalogue": Catalogue, "risk": RiskRuleSet}
RuleItem = Policy | Product | Catalogue | RiskRuleSet


class RuleFileError(ValueError):
    """A rule file that cannot be used; the message is ``file: field: reason``."""

    def __init__(self, path: Path | str, field: str, reason: str) -> None:
        super().__init__(f"{path}: {field}: {reason}" if field else f"{path}: {reason}")
        self.path, self.field, self.reason = str(path), field, reason


def loc_to_path(loc: Iterable[int | str]) -> str:
    """Pydantic's error location as a field path: ``versions[0].ratio.standard``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def parse_rule_data(data: Any, source: Path | str) -> RuleItem:
    """Validate already-parsed rule data (a dict) of any kind."""
    if not isinstance(data, dict):
        raise RuleFileError(source, "", "a rule file must be a mapping with a 'kind'")
    kind = data.get("kind")
    model = _KINDS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise RuleFileError(source, "kind", f"must be one of {sorted(_KINDS)}, got {kind!r}")
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        reason = str(first["msg"]).removeprefix("Value error, ")
        raise RuleFileError(source, loc_to_path(first["loc"]), reason) from None
    assert isinstance(parsed, RuleItem)
    return parsed


def load_rule_file(path: Path) -> RuleItem:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleFileError(path, "", f"not valid YAML ({exc.__class__.__name__}: {exc})") from None
    except OSError as exc:
        raise RuleFileError(path, "", f"cannot be read ({exc.strerror})") from None
    return parse_rule_data(data, path)


@dataclass
class Rulebook:
    """All known policies, products and catalogues, by id (catalogues by treatment region)."""

    policies: dict[str, Policy] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    catalogues: dict[str, Catalogue] = field(default_factory=dict)
    risk: dict[str, RiskRuleSet] = field(default_factory=dict)

    def add(self, item: RuleItem, source: Path | str) -> None:
        if isinstance(item, Policy):
            target: dict[str, Any] = self.policies
            key = item.id
        elif isinstance(item, Product):
            target, key = self.products, item.id
        elif isinstance(item, RiskRuleSet):
            target, key = self.risk, item.id
        else:
            target, key = self.catalogues, item.region
        if key in target:
            raise RuleFileError(source, "id", f"{key} is defined twice")
        target[key] = item

    def policy_for(self, region: str, insutype: str, day: date) -> tuple[Policy, PolicyVersion] | None:
        """The basic policy of an insured region and insutype in force on ``day``. Where several
        policies are in force (a newer policy file, e.g. ``yantai-employee-2026``, beside the one it
        supersedes), the one whose version took effect last applies; ties go to the smaller id."""
        best: tuple[Policy, PolicyVersion] | None = None
        for policy in sorted(self.policies.values(), key=lambda p: p.id):
            if policy.region == region and policy.insutype == insutype:
                version = policy.version_on(day)
                if version is not None and (best is None or version.effective_from > best[1].effective_from):
                    best = (policy, version)
        return best

    def risk_versions_on(self, day: date) -> list[RiskVersion]:
        """The version in force on ``day`` of every risk-rule set, in rule-set id order."""
        found = (self.risk[k].version_on(day) for k in sorted(self.risk))
        return [v for v in found if v is not None]

    def catalogue_for(self, region: str) -> dict[str, CatalogueEntry]:
        cat = self.catalogues.get(region)
        return dict(cat.entries) if cat else {}


def rule_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_rulebook(directories: Sequence[Path] = ()) -> Rulebook:
    """Load every rule file under the shipped config and the given directories."""
    book = Rulebook()
    for directory in (SHIPPED, *directories):
        for path in rule_files(directory):
            book.add(load_rule_file(path), path)
    return book


@lru_cache(maxsize=1)
def shipped_rulebook() -> Rulebook:
    """The reference rules shipped with the package (loaded on first use, never at import)."""
    return load_rulebook()
