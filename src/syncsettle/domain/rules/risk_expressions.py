"""Rule expressions in CEL (Common Expression Language, the ``cel`` package: a Rust interpreter).

CEL has no statements, no unbounded loops, no I/O and no access to Python objects: an expression
only sees the values it is given. One rule is compiled once into one program that filters the
candidates and computes the amount of each one that fires::

    cands.filter(line, WHEN).map(line, [line.ref, AMOUNT])

so a bill costs one call per rule that has candidates, not one per line. ``when`` and ``amount``
are first compiled alone, so each must be a single expression; then the program is dry-run on
the sample facts of its kind, so a misspelt field or a non-integer amount is refused at load.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import cel

from syncsettle.money import format_yuan

VARIABLE = {
    "line": "line",
    "visit": "visit",
    "item_frequency": "item",
    "person_day": "day",
    "readmission": "readmission",
    "hospital_share": "hospital",
}
# the facts every candidate of a bill shares; a rule is given only those its expressions name,
# since handing a value to CEL converts it on every call (a word that merely occurs in a string
# literal just hands over one value too many)
SHARED_NAMES = frozenset({"visit", "person", "params", "peers"})
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)(?::(yuan))?\}")


class ExpressionError(ValueError):
    """A rule expression or text that cannot be used; the message says which and why."""


def _compile(source: str, what: str) -> cel.Program:
    try:
        return cel.compile(source)
    except (ValueError, RuntimeError) as exc:
        first = str(exc).splitlines()[0]
        raise ExpressionError(f"{what}: {first}") from None


@dataclass(frozen=True)
class RuleProgram:
    """The compiled program of one rule: ``run`` returns ``[(ref, amount_fen), …]`` of the candidates that fire."""

    var: str
    program: cel.Program
    probe: cel.Program  # the amount alone, for every candidate: used by the dry run at load
    names: frozenset[str] = frozenset()  # the shared facts the expressions name (all when empty)

    def run(
        self, candidates: list[dict[str, Any]], shared: Mapping[str, Any], *, probe: bool = False
    ) -> list[tuple[int, int]]:
        if not candidates:
            return []
        given = {k: v for k, v in shared.items() if k in self.names} if self.names else dict(shared)
        try:
            out = (self.probe if probe else self.program).execute({**given, "cands_": candidates})
        except KeyError as exc:
            raise ExpressionError(f"no such field {exc}") from None
        except (RuntimeError, ValueError, TypeError) as exc:
            raise ExpressionError(str(exc).splitlines()[0]) from None
        fired = []
        for ref, amount in out:
            if not isinstance(amount, int) or isinstance(amount, bool):
                raise ExpressionError(f"amount must be an integer number of fen, got {amount!r}")
            fired.append((int(ref), max(0, amount)))
        return fired


def compile_rule(kind: str, when: str, amount: str) -> RuleProgram:
    var = VARIABLE[kind]
    _compile(when, "when")
    _compile(amount, "amount")
    mapped = f".map({var}, [{var}.ref, {amount}])"
    named = frozenset(_NAME.findall(f"{when} {amount}")) & SHARED_NAMES
    return RuleProgram(
        var,
        _compile(f"cands_.filter({var}, {when}){mapped}", "when/amount"),
        _compile(f"cands_{mapped}", "amount"),
        named or frozenset({"params"}),
    )


def dry_run(program: RuleProgram, kind: str, samples: Mapping[str, Mapping[str, Any]], params: Any, p: Any) -> None:
    """Evaluate the rule on its kind's sample facts; also force ``amount`` to run once."""
    candidate = {**samples[program.var], "ref": 0, "p": p}
    shared = _shared(kind, samples, params)
    program.run([candidate], shared)
    program.run([candidate], shared, probe=True)


def _shared(kind: str, samples: Mapping[str, Mapping[str, Any]], params: Any) -> dict[str, Any]:
    if kind == "hospital_share":
        return {"peers": dict(samples["peers"]), "params": params}
    return {"visit": dict(samples["visit"]), "person": dict(samples["person"]), "params": params}


def check_text(template: str, context: Mapping[str, Any]) -> None:
    """Every placeholder of a text template must name a field of the context."""
    for match in _PLACEHOLDER.finditer(template):
        _lookup(context, match.group(1))
    leftover = _PLACEHOLDER.sub("", template)
    if "{" in leftover or "}" in leftover:
        raise ExpressionError("text: a brace that is not a {field} or {field:yuan} placeholder")


def render_text(template: str, context: Mapping[str, Any]) -> str:
    """``{item.code}`` → the value; ``{item.amount:yuan}`` → fen shown as yuan; a double with four
    significant digits; a list joined with 、. Nothing else is evaluated."""

    def one(match: re.Match[str]) -> str:
        value = _lookup(context, match.group(1))
        if match.group(2) == "yuan" and isinstance(value, int):
            return format_yuan(value)
        if isinstance(value, list):
            return "、".join(str(v) for v in value)
        if isinstance(value, float):
            return f"{value:.4g}"
        return str(value)

    return _PLACEHOLDER.sub(one, template)


def _lookup(context: Mapping[str, Any], path: str) -> Any:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            raise ExpressionError(f"text: no field {path!r}")
        value = value[part]
    return value
