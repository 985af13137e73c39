"""What a reviewer may see of a risk finding (pure): one projection per approved granularity, like
the settlement payloads of :mod:`syncsettle.domain.commercial.projections`.

A finding is taken in one normalised shape (:func:`normalised` from a stored 3102 ``result[]`` entry,
:func:`from_flag` from a batch-scan flag): ``jr_id``, ``rule_id``, ``rule_name``, ``sev_deg``,
``vola_amt`` (yuan string), ``vola_cont`` (the text, which names items) and ``lines`` (``feedetl_sn``
and the yuan in question per fee line).

- an insurer reviewing at ``result``, ``settlement_summary`` or ``category``: which rule, how severe,
  how much is in question (:data:`SUMMARY_FIELDS`) — no text, no line;
- at ``detail``: also the text and the fee lines concerned (:data:`DETAIL_FIELDS`);
- the regulator: the whole finding (it reviews inside the medical-insurance domain).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from syncsettle.domain.commercial.vocabulary import Granularity
from syncsettle.money import format_yuan

SUMMARY_FIELDS = ("jr_id", "rule_id", "rule_name", "sev_deg", "vola_amt")
DETAIL_FIELDS = (*SUMMARY_FIELDS, "vola_cont", "lines")
LINE_FIELDS = ("feedetl_sn", "vola_amt")


def normalised(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A stored 3102 ``result[]`` entry in the reviewers' shape."""
    return {
        **{k: entry[k] for k in ("jr_id", "rule_id", "rule_name", "sev_deg", "vola_amt", "vola_cont")},
        "lines": [{"feedetl_sn": d["feedetl_sn"], "vola_amt": d["vola_amt"]} for d in entry["judge_result_detail"]],
    }


def from_flag(row: Mapping[str, Any]) -> dict[str, Any]:
    """A ``risk_flags`` row in the reviewers' shape (amounts are fen in the row)."""
    return {
        "jr_id": row["jr_id"], "rule_id": row["rule_id"], "rule_name": row["rule_name"], "sev_deg": row["sev_deg"],
        "vola_amt": format_yuan(int(row["vola_amt"])), "vola_cont": row["vola_cont"],
        "lines": [{"feedetl_sn": str(sn), "vola_amt": format_yuan(int(amount))} for sn, amount in row["lines"]],
    }  # fmt: skip


def for_insurer(finding: Mapping[str, Any], granularity: Granularity) -> dict[str, Any]:
    """The finding as an insurer approved at ``granularity`` may see it."""
    fields = DETAIL_FIELDS if granularity is Granularity.DETAIL else SUMMARY_FIELDS
    return {k: finding[k] for k in fields}
