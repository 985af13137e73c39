"""A budgeted noisy release end to end from the console (SQLite and PostgreSQL): the regulator grants a
privacy budget on its page, the insurer's actuary asks for the actuarial table with epsilon, sees noisy
figures that are never negative, watches the budget go down, and is refused in Chinese once it is
spent; a revoked budget refuses too. Forms without the CSRF token change nothing; the operator may
look but not grant; every grant and spend is in the audit log."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select

from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.money import parse_yuan
from tests.console.forms import csrf_of
from tests.console.seed import PRODUCT, Seeded
from tests.console.seed_insurer import seed_insurer

Login = Callable[[str], TestClient]
QUERY = f"/console/actuarial?run=1&product={PRODUCT}&by=&from=2025-01-01&to=2025-12-31&epsilon=1"


def _row(page: str, requester: str, dataset: str) -> str:
    found = re.search(rf'<tr class="budget-row" data-requester="{re.escape(requester)}" '
                      rf'data-dataset="{re.escape(dataset)}">(.*?)</tr>', page, re.S)  # fmt: skip
    assert found, f"no budget row for {requester} {dataset}"
    return found.group(1)


def _remaining(row: str) -> str:
    found = re.search(r'<td class="num remaining">([^<]*)</td>', row)
    assert found
    return found.group(1)


def _grant(regulator: TestClient, dataset: str, epsilon: str) -> None:
    form = regulator.get("/console/privacy-budgets").text
    answer = regulator.post("/console/privacy-budgets", follow_redirects=False, data={
        "csrf_token": csrf_of(form), "requester": "yantai-hmb", "dataset": dataset, "epsilon": epsilon,
        "expires_on": "2025-12-31", "reason": "2026 年定价精算",
    })  # fmt: skip
    assert answer.status_code == 303, answer.text


def test_a_budgeted_noisy_release_works_end_to_end_from_the_console(seeded: Seeded, login: Login) -> None:
    seed_insurer(seeded)
    regulator, actuary = login("regulator"), login("insurer")
    refused = actuary.get(QUERY)
    assert refused.status_code == 422 and "医保部门尚未给 yantai-hmb 分配数据集" in refused.text

    page = regulator.get("/console/privacy-budgets").text
    assert 'id="grant-form"' in page and f"product:{PRODUCT}" in page  # the dataset is suggested
    no_token = regulator.post("/console/privacy-budgets", data={"requester": "yantai-hmb",
                              "dataset": f"product:{PRODUCT}", "epsilon": "2"})  # fmt: skip
    assert no_token.status_code == 403 and "尚未分配隐私预算" in regulator.get("/console/privacy-budgets").text
    _grant(regulator, f"product:{PRODUCT}", "2")
    _grant(regulator, f"remainder:{PRODUCT}", "2")
    assert _remaining(_row(regulator.get("/console/privacy-budgets").text, "yantai-hmb", f"product:{PRODUCT}")) == "2"

    for left in ("1", "0"):
        shown = actuary.get(QUERY)
        assert shown.status_code == 200, shown.text
        assert f'剩余 ε=<span class="remaining">{left}</span>' in shown.text
        table = shown.text.split('id="aggregates"')[1].split("</table>")[0]
        figures = re.findall(r'<td class="num">([^<]*)</td>', table)
        assert figures and all(not f.startswith("-") for f in figures)  # noisy, never negative
        assert all(parse_yuan(f) >= 0 for f in figures if re.fullmatch(r"\d+\.\d{2}", f))
        budgets_row = re.search(rf'data-dataset="product:{PRODUCT}">(.*?)</tr>', shown.text, re.S)
        assert budgets_row and _remaining(budgets_row.group(1)) == left
    exhausted = actuary.get(QUERY)
    assert exhausted.status_code == 422
    assert "隐私预算不足：yantai-hmb 在数据集" in exhausted.text and "剩余 ε=0，本次需要 ε=1" in exhausted.text
    assert "本次未发布任何数据" in exhausted.text
    listed = regulator.get("/console/privacy-budgets").text
    assert "已用完" in _row(listed, "yantai-hmb", f"product:{PRODUCT}")

    with seeded.world.platform.uow(readonly=True) as uow:
        entries = uow.conn.execute(select(audit_entries.c.action, audit_entries.c.reason)
                                   .where(audit_entries.c.purpose.in_(["privacy_budget", "analytics"]))
                                   .order_by(audit_entries.c.id)).all()  # fmt: skip
    grants = [r for a, r in entries if a == "decision"]
    spends = [r for a, r in entries if a == "export" and f"dataset=product:{PRODUCT}" in r]
    assert len(grants) == 2 and all(g.startswith("grant epsilon=2 expires_on=2025-12-31") for g in grants)
    assert [s.split(" ")[-2:] for s in spends] == [["epsilon=1", "remaining=1"], ["epsilon=1", "remaining=0"]]


def test_a_revoked_budget_refuses_and_the_operator_only_looks(seeded: Seeded, login: Login) -> None:
    seed_insurer(seeded)
    regulator, actuary, operator = login("regulator"), login("insurer"), login("operator")
    _grant(regulator, f"product:{PRODUCT}", "5")
    page = regulator.get("/console/privacy-budgets").text
    missing = regulator.post(
        "/console/privacy-budgets/revoke",
        data={"csrf_token": csrf_of(page), "requester": "yantai-hmb", "dataset": f"product:{PRODUCT}", "reason": ""},
    )
    assert missing.status_code == 422 and "撤销隐私预算必须说明理由" in missing.text
    revoked = regulator.post("/console/privacy-budgets/revoke", follow_redirects=False, data={
        "csrf_token": csrf_of(page), "requester": "yantai-hmb", "dataset": f"product:{PRODUCT}",
        "reason": "精算项目结束"})  # fmt: skip
    assert revoked.status_code == 303
    assert "已撤销" in _row(regulator.get("/console/privacy-budgets").text, "yantai-hmb", f"product:{PRODUCT}")
    refused = actuary.get(QUERY)
    assert refused.status_code == 422 and "隐私预算已被医保部门撤销" in refused.text

    looked = operator.get("/console/privacy-budgets")
    assert looked.status_code == 200 and "yantai-hmb" in looked.text and 'id="grant-form"' not in looked.text
    bad = regulator.post(
        "/console/privacy-budgets",
        data={"csrf_token": csrf_of(page), "requester": "yantai-hmb", "dataset": "shoes:1", "epsilon": "1"},
    )
    assert bad.status_code == 422 and "数据集须为" in bad.text
