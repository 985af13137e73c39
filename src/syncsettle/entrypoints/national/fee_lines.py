"""A ``feedetail[]`` entry (2204/2301) read from the wire into the upload use case's typed line.

Amounts may be strings or exact JSON numbers; a negative ``cnt`` with ``init_feedetl_sn`` is a
refund line (:mod:`syncsettle.services.settlement.fees` nets it)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.codes import CHRGITM_LVS
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import PRIC_PLACES, FeeLine
from syncsettle.services.settlement.fees import CNT_PLACES, Uploaded
from syncsettle.services.settlement.times import instant_of


def _negative(value: Any) -> bool:
    return (isinstance(value, str) and value.strip().startswith("-")) or (
        not isinstance(value, (str, bool)) and isinstance(value, (int, Decimal)) and value < 0
    )


def read_line(r: Reader) -> Uploaded:
    """A ``feedetail[]`` entry as HIS systems send it; amounts may be strings or exact JSON numbers."""
    raw_cnt = r.raw("cnt")
    refund = _negative(raw_cnt)
    refunds = r.text("init_feedetl_sn", required=False)
    if refund and not refunds:
        raise InvalidInput(r.at("init_feedetl_sn"), "a refund line (negative cnt) must name the line it refunds")
    if refund:
        cnt = -r.scaled_signed("cnt", CNT_PLACES)
        if cnt <= 0:
            raise InvalidInput(r.at("cnt"), "a refund line's cnt must be below zero")
        stated = -r.yuan("det_item_fee_sumamt", required=True, allow_negative=True)
        if stated < 0:
            raise InvalidInput(r.at("det_item_fee_sumamt"), "a refund line's amount must be negative, as its cnt")
    else:
        cnt = r.scaled("cnt", CNT_PLACES, positive=True)
        stated = r.yuan("det_item_fee_sumamt", required=True)
        refunds = None
    line = FeeLine(
        feedetl_sn=r.req_text("feedetl_sn"),
        med_list_codg=r.req_text("med_list_codg"),
        cnt=cnt,
        pric=r.scaled("pric", PRIC_PLACES),
        chrgitm_lv=r.text("chrgitm_lv", required=False, codes=CHRGITM_LVS),
        selfpay_prop=r.ratio("selfpay_prop"),
        pric_uplmt=r.yuan("pric_uplmt_amt") if r.has("pric_uplmt_amt") else None,
        med_chrgitm_type=r.text("med_chrgitm_type", required=False),
    )
    return Uploaded(
        mdtrt_id=r.req_text("mdtrt_id"),
        chrg_bchno=r.text("chrg_bchno", required=False) or "",
        line=line,
        stated=stated,
        refunds=refunds,
        medins_list_codg=(r.text("medins_list_codg", required=False) or "")[:50],
        fee_ocur_time=instant_of(r, "fee_ocur_time"),
    )


def read_lines(items: list[Any]) -> list[Uploaded]:
    return [read_line(Reader(item, f"feedetail[{i}]")) for i, item in enumerate(items)]
