"""The bureau's console pages on the seeded world (``seed_bureau``): the regulator's filing review
(its forms refuse a reject without reason, an approval with a bad window and any step posted without
the session's CSRF token, writing nothing), the
clearing windows and their instruction files, reserves and alerts, data-use monitoring, pending
legs and quick claims, and the hospitals' reconciliation results — each role seeing only its own."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from syncsettle.adapters.db.commercial.schema_commercial import filing_events
from syncsettle.adapters.db.commercial.schema_commercial import product_filings as filings
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.domain.identity import Role
from syncsettle.services.clearing import clear
from syncsettle.services.management import identity
from tests.console.forms import csrf_of, session_csrf
from tests.console.seed import Seeded
from tests.console.seed_bureau import Bureau, seed_bureau

Login = Callable[[str], TestClient]


@pytest.fixture
def bureau(seeded: Seeded) -> Bureau:
    return seed_bureau(seeded)


def _as(bureau: Bureau, role: Role, tenant: str, name: str = "测试") -> TestClient:
    world = bureau.seeded.world
    client = TestClient(world.app)
    if role is Role.HOSPITAL:
        token = f"{tenant}.{world.secrets[tenant]}"
    else:
        token = identity.issue(world.platform, role, tenant, name)[1]
    assert client.post("/console/login", data={"token": token}, follow_redirects=False).status_code == 303
    return client


def _written(bureau: Bureau) -> tuple[Any, ...]:
    """What a filing step writes: the filing row, its events, the audit decisions."""
    with bureau.seeded.world.platform.uow(readonly=True) as uow:
        conn = uow.conn
        row = conn.execute(select(filings).where(filings.c.id == bureau.submitted_filing)).mappings().one()
        events = conn.execute(select(func.count()).select_from(filing_events)).scalar_one()
        decisions = conn.execute(
            select(func.count()).select_from(audit_entries).where(audit_entries.c.action == "decision")
        ).scalar_one()
    return row["status"], row["approved_from"], row["reason"], events, decisions


def _state(bureau: Bureau, filing_id: int) -> tuple[str, int]:
    """A filing's status and how many lifecycle events it has."""
    with bureau.seeded.world.platform.uow(readonly=True) as uow:
        conn = uow.conn
        status = conn.execute(select(filings.c.status).where(filings.c.id == filing_id)).scalar_one()
        events = conn.execute(
            select(func.count()).select_from(filing_events).where(filing_events.c.filing_id == filing_id)
        ).scalar_one()
    return str(status), int(events)


def _opened(client: TestClient, filing_id: int) -> str:
    """Open the filing's page, as the regulator does before a step; the CSRF token of its forms."""
    return csrf_of(client.get(f"/console/filings/{filing_id}").text)


def test_the_review_queue_puts_submitted_filings_first_and_summarises_the_rule_file(
    bureau: Bureau, login: Login
) -> None:
    regulator = login("regulator")
    queue = regulator.get("/console/filings").text
    statuses = re.findall(r'class="filing-row" data-id="(\d+)" data-status="(\w+)"', queue)
    assert statuses[0] == (str(bureau.submitted_filing), "submitted")
    assert {s for _, s in statuses[1:]} == {"active"}
    detail = regulator.get(f"/console/filings/{bureau.submitted_filing}").text
    for shown in ("住院医保范围内个人自付", "15000.00", "0.70", "1500000.00", "等待期", "政策范围内个人自付", "待审核"):
        assert shown in detail
    assert 'id="approve-form"' in detail and 'id="step-reject"' in detail


def test_reject_without_a_reason_is_refused_and_writes_nothing(bureau: Bureau, login: Login) -> None:
    before = _written(bureau)
    regulator = login("regulator")
    token = _opened(regulator, bureau.submitted_filing)
    response = regulator.post(f"/console/filings/{bureau.submitted_filing}/step",
                              data={"action": "reject", "reason": "  ", "csrf_token": token})  # fmt: skip
    assert response.status_code == 409
    assert "驳回必须填写理由" in response.text
    assert _written(bureau) == before


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (("2025-07-01", "2025-06-30"), "生效终止日早于生效起始日"),
        (("2025-13-01", "2025-12-31"), "生效起始日须为日期"),
        (("", "2025-12-31"), "生效起始日须为日期"),
        (("2024-01-01", "2025-12-31"), "没有有效版本"),
    ],
)
def test_approve_with_a_bad_window_shows_why_and_writes_nothing(
    bureau: Bureau, login: Login, window: tuple[str, str], message: str
) -> None:
    before = _written(bureau)
    regulator = login("regulator")
    token = _opened(regulator, bureau.submitted_filing)
    response = regulator.post(
        f"/console/filings/{bureau.submitted_filing}/approve",
        data={"route": "embedded", "granularity": "", "approved_from": window[0], "approved_to": window[1],
              "csrf_token": token},
    )  # fmt: skip
    assert response.status_code == 409
    assert message in response.text and 'id="filing-error"' in response.text
    assert 'value="2025-13-01"' in response.text or window[0] != "2025-13-01"  # the form keeps what was typed
    assert _written(bureau) == before
    assert 'name="csrf_token"' in response.text  # the refused form, shown again, can be posted again


def test_approve_then_suspend_through_the_forms(bureau: Bureau, login: Login) -> None:
    regulator = login("regulator")
    path = f"/console/filings/{bureau.submitted_filing}"
    token = _opened(regulator, bureau.submitted_filing)
    done = regulator.post(f"{path}/approve", data={"route": "embedded", "approved_from": "2025-01-01",
                                                   "approved_to": "2026-12-31", "reason": "材料齐全",
                                                   "csrf_token": token},
                          follow_redirects=False)  # fmt: skip
    assert done.status_code == 303 and done.headers["location"] == path
    status, approved_from, *_ = _written(bureau)
    assert status == "approved" and str(approved_from) == "2025-01-01"
    page = regulator.get(path).text
    assert 'data-status="approved"' in page and "2025-01-01 至 2026-12-31" in page
    assert 'id="step-force_exit"' in page and 'id="approve-form"' not in page  # only what the lifecycle allows
    refused = regulator.post(f"{path}/step", data={"action": "suspend", "reason": "不应暂停", "csrf_token": token})
    assert refused.status_code == 409 and "备案当前状态不能暂停销售" in refused.text


def test_a_regulator_of_another_region_sees_none_of_these_filings(bureau: Bureau) -> None:
    elsewhere = _as(bureau, Role.REGULATOR, "150900", "乌兰察布市医保局")
    assert 'class="filing-row"' not in elsewhere.get("/console/filings").text
    assert elsewhere.get(f"/console/filings/{bureau.submitted_filing}").status_code == 403
    own = session_csrf(elsewhere)  # its own session's token: no filing page of this region shows it a form
    refused = elsewhere.post(f"/console/filings/{bureau.submitted_filing}/step",
                             data={"action": "reject", "reason": "越权", "csrf_token": own})  # fmt: skip
    assert refused.status_code == 403 and "CSRF" not in refused.text  # refused for the region, not the token
    assert _written(bureau)[0] == "submitted"


def test_filing_steps_without_the_sessions_token_are_refused_and_write_nothing(bureau: Bureau, login: Login) -> None:
    regulator = login("regulator")
    path = f"/console/filings/{bureau.submitted_filing}"
    token = _opened(regulator, bureau.submitted_filing)
    colleague = _as(bureau, Role.REGULATOR, "370600", "烟台市医保局复核岗")
    foreign = _opened(colleague, bureau.submitted_filing)  # genuine — of another session, that may step itself
    assert foreign != token
    forms = {
        "approve": {"route": "embedded", "approved_from": "2025-01-01", "approved_to": "2026-12-31"},
        "step": {"action": "reject", "reason": "材料不全"},
    }
    before = _written(bureau)
    for data in ({}, {"csrf_token": ""}, {"csrf_token": "forged"}, {"csrf_token": foreign}):
        for route, form in forms.items():
            response = regulator.post(f"{path}/{route}", data={**form, **data}, follow_redirects=False)
            assert response.status_code == 403 and "CSRF" in response.text, (route, data)
    assert _written(bureau) == before
    done = regulator.post(f"{path}/step", data={**forms["step"], "csrf_token": token}, follow_redirects=False)
    assert done.status_code == 303 and _written(bureau)[0] == "rejected"


def test_suspend_resume_and_force_exit_each_need_the_token(bureau: Bureau, login: Login) -> None:
    regulator = login("regulator")
    queue = regulator.get("/console/filings").text
    active = int(re.findall(r'class="filing-row" data-id="(\d+)" data-status="active"', queue)[0])
    path = f"/console/filings/{active}"
    for action, reason, after in (("suspend", "理赔投诉集中", "suspended"), ("resume", "", "active"),
                                  ("force_exit", "拒不整改", "exited")):  # fmt: skip
        token = _opened(regulator, active)
        before = _state(bureau, active)
        for data in ({}, {"csrf_token": "forged"}):
            response = regulator.post(f"{path}/step", data={"action": action, "reason": reason, **data})
            assert response.status_code == 403, (action, data)
        assert _state(bureau, active) == before, action
        done = regulator.post(f"{path}/step", data={"action": action, "reason": reason, "csrf_token": token},
                              follow_redirects=False)  # fmt: skip
        assert done.status_code == 303, (action, done.text)
        assert _state(bureau, active) == (after, before[1] + 1), action


def test_the_clearing_page_shows_the_window_and_serves_its_instruction_files(bureau: Bureau, login: Login) -> None:
    operator = login("operator")
    page = operator.get("/console/clearing").text
    assert f'data-id="{bureau.window_id}" data-status="PENDING_SETTLEMENT"' in page
    assert "商保机构 yantai-hmb" in page and "城乡居民基本医疗保险基金（370600）" in page
    assert page.count('class="position-row"') == 4
    p = bureau.seeded.world.platform
    csv = operator.get(f"/console/clearing/{bureau.window_id}/instructions.csv")
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    canonical = str(clear.instruction_file(p, bureau.window_id, "csv"))
    body = csv.content.decode("utf-8")  # for Excel: a byte-order mark and Chinese headers, the same rows
    assert body.startswith("\ufeff清分窗口,序号,账目") and body.splitlines()[1:] == canonical.splitlines()[1:]
    assert operator.get(f"/console/clearing/{bureau.window_id}/instructions.json").json() == clear.instruction_file(
        p, bureau.window_id, "json"
    )
    assert login("regulator").get(f"/console/clearing/{bureau.window_id}/instructions.csv").status_code == 403


def test_reserves_show_positions_alerts_and_a_chart(bureau: Bureau, login: Login) -> None:
    for role in ("operator", "regulator"):
        page = login(role).get("/console/reserves").text
        assert 'class="alert-row" data-insurer="yantai-hmb"' in page
        assert 'data-insurer="acme-group"' in page and "300000.00" in page and 'id="chart-reserves"' in page
    elsewhere = _as(bureau, Role.REGULATOR, "150900").get("/console/reserves").text
    assert 'class="alert-row"' not in elsewhere and 'class="position-row"' not in elsewhere


def _entry_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="data-use-row" data-id="(\d+)"', page)]


def test_data_uses_filter_by_insurer_and_purpose_and_page(bureau: Bureau, login: Login) -> None:
    regulator = login("regulator")
    ids = _entry_ids(regulator.get("/console/data-uses").text)
    assert ids and ids == sorted(ids, reverse=True)
    settlement = regulator.get("/console/data-uses?insurer=yantai-hmb&purpose=settlement").text
    assert 'class="data-use-row"' in settlement and "数据出域" in settlement
    assert 'class="data-use-row"' not in regulator.get("/console/data-uses?purpose=analytics").text
    older = regulator.get(f"/console/data-uses?before={ids[0]}").text
    assert _entry_ids(older) == ids[1:]


def test_pending_legs_and_quick_claims_each_insurer_its_own(bureau: Bureau, login: Login) -> None:
    operator = login("operator").get("/console/pending").text
    assert 'data-insurer="yantai-hmb" data-reason="prefund_exhausted"' in operator
    assert "商保机构预付资金不足" in operator and bureau.pending_setl_id in operator
    assert bureau.pending_setl_id in login("insurer").get("/console/pending").text
    other = _as(bureau, Role.INSURER, "acme-group").get("/console/pending").text
    assert bureau.pending_setl_id not in other and 'class="waiting-row"' not in other


def test_reconciliation_results_for_the_operator_and_each_hospital_its_own(bureau: Bureau, login: Login) -> None:
    mine = login("hospital").get("/console/reconciliation/mine").text
    assert mine.count('class="run-row"') == 2 and 'data-kind="3201" data-result="1"' in mine
    assert 'data-reason="amount_differs"' in mine and 'data-reason="missing_at_hospital"' in mine
    assert "金额不符" in mine and "待处理" in mine
    assert "H37060000001" in login("operator").get("/console/reconciliation").text
    elsewhere = _as(bureau, Role.HOSPITAL, "H15090000001").get("/console/reconciliation/mine").text
    assert 'class="run-row"' not in elsewhere and 'class="discrepancy-row"' not in elsewhere
