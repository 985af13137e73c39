"""infno 3101 (明细审核事前分析, a prospective bill in the request) and 3102 (明细审核事中分析,
a registered visit's uploaded lines), answered with the national ``result[]``.

3101 input, as hospital systems send it: ``data{patient_dtos[ {patn_id, gend, brdy,
curr_mdtrt_id, fsi_encounter_dtos[ {mdtrt_id, medins_lv, adm_date, dscg_date, med_type,
dscg_main_dise_codg, fsi_diagnose_dtos[{dise_codg}], fsi_order_dtos[{rx_id, hilist_code,
hilist_name, cnt, pric, sumamt, drord_begn_date}]} ]} ], trig_scen, rule_ids, task_id}``
(``patient_dtos`` and ``fsi_encounter_dtos`` may also be single objects). The encounter whose
``mdtrt_id`` is ``curr_mdtrt_id`` is checked; the other encounters join the person's stored history.
3102 takes the same envelope (or ``data.mdtrt_id``) and checks the stored visit's active lines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from syncsettle.adapters.clock import business_date
from syncsettle.adapters.db.settlement.records import Hospital
from syncsettle.adapters.json_reader import Reader
from syncsettle.domain.rules.risk_facts import CNT_SCALE, RiskLine, RiskPerson, RiskVisit
from syncsettle.domain.settlement.errors import InvalidInput
from syncsettle.domain.settlement.model import PRIC_PLACES
from syncsettle.money import round_half_up
from syncsettle.services.computing.risk import render_findings, screen_facts, stored_person, visit_findings
from syncsettle.services.hospital_scope import own_visit
from syncsettle.services.platform import Platform


def _list(r: Reader, key: str, required: bool = True) -> list[Reader]:
    raw = r.raw(key, required)
    items = [] if raw is None else raw if isinstance(raw, list) else [raw]
    if required and not items:
        raise InvalidInput(r.at(key), "at least one entry is required")
    return [Reader(item, f"{r.at(key)}[{i}]") for i, item in enumerate(items)]


def _date(r: Reader, key: str, default: date | None) -> date | None:
    text = r.text(key, required=False)
    if not text:
        return default
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInput(r.at(key), f"must be a date yyyy-MM-dd[ HH:mm:ss], got {text!r}") from None


def _order(r: Reader, day: date) -> RiskLine:
    cnt = r.scaled("cnt", 4, positive=True)
    pric = r.scaled("pric", PRIC_PLACES)
    amount = r.yuan("sumamt") if r.has("sumamt") else round_half_up(cnt * pric, CNT_SCALE * 10**PRIC_PLACES // 100)
    line_day = _date(r, "drord_begn_date", day)
    assert line_day is not None
    return RiskLine(
        sn=r.req_text("rx_id"),
        code=r.req_text("hilist_code"),
        amount=amount,
        day=line_day,
        cnt=cnt,
        pric=pric,
        name=r.text("hilist_name", required=False) or "",
        type=r.text("med_chrgitm_type", required=False) or "",
    )


def _encounter(r: Reader, hospital: Hospital, today: date) -> RiskVisit:
    adm = _date(r, "adm_date", today)
    assert adm is not None
    diagnoses = [d.req_text("dise_codg") for d in _list(r, "fsi_diagnose_dtos", required=False)]
    main = r.text("dscg_main_dise_codg", required=False)
    if main and main not in diagnoses:
        diagnoses.insert(0, main)
    return RiskVisit(
        mdtrt_id=r.req_text("mdtrt_id"),
        hospital=r.text("medins_id", required=False) or hospital.fixmedins_code,
        hospital_level=r.text("medins_lv", required=False) or hospital.hosp_lv,
        region=r.text("medins_admdvs", required=False) or hospital.admdvs,
        med_type=r.text("med_type", required=False) or "11",
        adm_day=adm,
        dscg_day=_date(r, "dscg_date", None),
        diagnoses=tuple(diagnoses),
        lines=tuple(_order(o, adm) for o in _list(r, "fsi_order_dtos", required=False)),
    )


def _rule_ids(data: Reader) -> list[str]:
    return [str(x) for x in data.items("rule_ids", required=False) if x]


def before(p: Platform, hospital: Hospital, data: Reader) -> dict[str, Any]:
    """3101: check each patient's current encounter as sent, against stored and sent history."""
    today = business_date(p.clock.now())
    results: list[dict[str, Any]] = []
    with p.uow(readonly=True) as uow:
        for patient in _list(data, "patient_dtos"):
            psn_no = patient.req_text("patn_id")
            encounters = [_encounter(e, hospital, today) for e in _list(patient, "fsi_encounter_dtos")]
            current = patient.text("curr_mdtrt_id", required=False) or encounters[0].mdtrt_id
            subject = next((e for e in encounters if e.mdtrt_id == current), None)
            if subject is None:
                raise InvalidInput(patient.at("curr_mdtrt_id"), f"no encounter has mdtrt_id {current!r}")
            known = stored_person(uow.conn, psn_no, "")
            person = RiskPerson(
                psn_no,
                patient.text("gend", required=False) or known.gend,
                _date(patient, "brdy", known.brdy),
                known.insutype,
            )
            others = [e for e in encounters if e is not subject]
            findings = screen_facts(p, uow.conn, "pre", person, subject, today, others, _rule_ids(data))
            results.extend(render_findings(findings, data.text("task_id", required=False) or ""))
    return {"result": results}


def during(p: Platform, hospital: Hospital, data: Reader) -> dict[str, Any]:
    """3102: check a registered visit's uploaded (active) lines against the person's history."""
    mdtrt_id = data.text("mdtrt_id", required=False)
    if mdtrt_id is None:
        patient = _list(data, "patient_dtos")[0]
        mdtrt_id = patient.req_text("curr_mdtrt_id")
    today = business_date(p.clock.now())
    with p.uow(readonly=True) as uow:
        visit = own_visit(uow.conn, mdtrt_id, hospital.fixmedins_code)
        findings = visit_findings(p, uow.conn, "during", visit, hospital, today)
    ids = _rule_ids(data)
    findings = [f for f in findings if f.rule_id in ids] if ids else findings
    return {"result": render_findings(findings, data.text("task_id", required=False) or "")}
