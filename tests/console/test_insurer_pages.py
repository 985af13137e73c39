"""The insurer's console pages and the actuarial / what-if replay pages over HTTP: the overview's
figures agree with the settlements, the statement downloads (CSV and XLSX) parse and add up, every
actuarial view is released and audited exactly as the API does it, and each mistake in the replay
form is shown on the form (Chinese, with the field path) and starts nothing."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from syncsettle.adapters.db.computing.schema_computing import jobs
from syncsettle.adapters.db.management.schema_trust import audit_entries
from syncsettle.adapters.statement_files import read
from syncsettle.domain.identity import Role
from syncsettle.money import format_yuan, parse_yuan
from syncsettle.services.management import identity
from tests.console.seed import PRODUCT, Seeded
from tests.console.seed_insurer import PERSONS, product_paid, seed_insurer

JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


@pytest.fixture
def insurer_world(seeded: Seeded) -> Seeded:
    return seed_insurer(seeded)


def _count(seeded: Seeded, table: Any, *where: Any) -> int:
    with seeded.world.platform.uow(readonly=True) as uow:
        return int(uow.conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def _text(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)<', html, re.S)
    assert found, element_id
    return found.group(1).strip()


def _rule_file(client: TestClient) -> bytes:
    filing_id = re.findall(r'href="/console/insurer/products/(\d+)"', client.get("/console/insurer/products").text)[0]
    response = client.get(f"/console/insurer/products/{filing_id}/rules.yaml")
    assert response.status_code == 200 and b"kind: product" in response.content
    return response.content


def _submit(client: TestClient, candidate: bytes, **form: str) -> Any:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/console/replays").text)
    assert token
    data = {"premium": "129.00", **JUNE, "replaces": PRODUCT, "csrf_token": token.group(1), **form}
    return client.post("/console/replays", files={"candidate": ("candidate.yaml", candidate, "application/yaml")},
                       data=data, follow_redirects=False)  # fmt: skip


def _finished(client: TestClient, job_path: str) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        panel = client.get(f"{job_path}/panel").text
        if re.search(r'data-status="(done|failed)"', panel):
            return panel
        time.sleep(0.2)
    raise AssertionError("the replay did not finish")


def test_the_overview_counts_enrollments_claims_and_paid_as_settled(
    insurer_world: Seeded, login: Callable[[str], TestClient]
) -> None:
    page = login("insurer").get("/console/insurer").text
    assert _text(page, "kpi-enrollments") == str(len(PERSONS))  # the one-click enrollments (P0001's is administrative)
    assert _text(page, "kpi-claims") == str(len(PERSONS) + 1)  # the twelve stays and P0001's
    assert _text(page, "kpi-paid") == format_yuan(product_paid(insurer_world))
    assert "data-chart" in page and "chart-loss-ratio" in page
    june = re.search(r"<td>2025-06</td>(.*?)</tr>", page, re.S)
    assert june and format_yuan(product_paid(insurer_world)) in june.group(1)


def test_the_statement_downloads_parse_and_add_up_to_the_settlements(
    insurer_world: Seeded, login: Callable[[str], TestClient], tmp_path: Path
) -> None:
    client = login("insurer")
    page = client.get("/console/insurer/statements?month=2025-06").text
    paid = format_yuan(product_paid(insurer_world))
    assert _text(page, "statement-total") == paid
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/console/insurer/statements/2025-06.{fmt}")
        assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
        path = tmp_path / f"statement.{fmt}"
        path.write_bytes(response.content)
        rows = read(path)
        assert {r["product_id"] for r in rows} == {PRODUCT}
        assert format_yuan(sum(parse_yuan(r["payable"], allow_negative=True) for r in rows)) == paid, fmt
    assert client.get("/console/insurer/statements/2025-06.pdf").status_code == 404
    assert client.get("/console/insurer/statements/2025-13.csv").status_code == 400


def test_enrollments_and_claims_show_what_the_api_shows(
    insurer_world: Seeded, login: Callable[[str], TestClient]
) -> None:
    client = login("insurer")
    api = client.get("/api/insurer/enrollments").json()
    page = client.get("/console/insurer/claims?month=2025-06").text
    assert all(str(e["enrollment_id"]) in page for e in api)
    assert "测试Q0000" not in page  # names only masked, and only under the underwriting consent
    assert _text(page, "lines-total") == format_yuan(product_paid(insurer_world))


def test_each_actuarial_view_is_released_and_audited_as_the_api_does(
    insurer_world: Seeded, login: Callable[[str], TestClient]
) -> None:
    client = login("insurer")
    exports = (audit_entries.c.action == "export",)
    assert "aggregates" not in client.get("/console/actuarial").text.split("隐私预算")[0].split("</form>")[1]
    assert _count(insurer_world, audit_entries, *exports) == 0  # nothing released before the form is sent
    page = client.get(f"/console/actuarial?run=1&product={PRODUCT}&by=sex&from=2025-01-01&to=2025-06-30").text
    assert _count(insurer_world, audit_entries, *exports) == 2  # the table and the remainder distribution
    assert 'class="released"' in page and "已抑制" in page
    query = {"product": PRODUCT, "by": "sex", "from": "2025-01-01", "to": "2025-06-30"}
    api = client.get("/api/insurer/actuarial/aggregates", params=query).json()
    assert _count(insurer_world, audit_entries, *exports) == 3
    released = [c for c in api["cells"] if not c["suppressed"]]
    assert released and all(format_yuan(c["metrics"]["paid"]) in page for c in released)
    regulator = login("regulator").get("/console/actuarial?run=1&from=2025-01-01&to=2025-06-30").text
    assert 'id="remainder"' in regulator and 'id="aggregates"' not in regulator
    bad = client.get(f"/console/actuarial?run=1&product={PRODUCT}&epsilon=-1&from=2025-01-01&to=2025-06-30")
    assert bad.status_code == 422 and "epsilon 须大于 0" in bad.text


@pytest.mark.parametrize(
    ("candidate", "form", "field", "message"),
    [
        (b"kind: product\nid: [unclosed\n", {}, "candidate", "YAML 格式错误"),
        (b"kind: product\nid: x-2025\n", {}, "candidate.name", "候选规则文件不符合产品规则格式：缺少必填字段"),
        (b"- just\n- a list\n", {}, "candidate", "规则文件须为映射"),
        (b"", {}, "candidate", "请上传候选产品规则文件"),
        (None, {"premium": "-1.00"}, "premium", "保费不能为负"),
        (None, {"premium": "12.345"}, "premium", "保费须为金额"),
        (None, {"from": "2025-06-30", "to": "2025-06-01"}, "to", "结束日期不能早于开始日期"),
        (None, {"from": "June"}, "from", "日期须为 YYYY-MM-DD"),
    ],
)
def test_a_mistake_in_the_replay_form_is_shown_and_starts_nothing(
    insurer_world: Seeded, login: Callable[[str], TestClient], candidate: bytes | None, form: dict[str, str],
    field: str, message: str,
) -> None:  # fmt: skip
    client = login("insurer")
    response = _submit(client, _rule_file(client) if candidate is None else candidate, **form)
    assert response.status_code == 422, response.text
    error = re.search(r'id="form-error" data-field="([^"]*)">(.*?)</p>', response.text, re.S)
    assert error and error.group(1) == field and message in error.group(2), error
    assert _count(insurer_world, jobs) == 0


def test_a_replay_of_the_filed_product_reproduces_what_it_paid(
    insurer_world: Seeded, login: Callable[[str], TestClient]
) -> None:
    client = login("insurer")
    response = _submit(client, _rule_file(client))
    assert response.status_code == 303
    job_path = response.headers["location"]
    assert 'hx-get="' in client.get(job_path).text or "已完成" in client.get(job_path).text
    panel = _finished(client, job_path)
    assert 'data-status="done"' in panel
    paid = format_yuan(product_paid(insurer_world))
    assert _text(panel, "expected-payout") == paid and _text(panel, "replaced-paid") == paid
    assert job_path.rsplit("/", 1)[1] in client.get("/console/replays").text  # the replay history
    # another insurer's candidate, or its product to replace, is refused; its job is not ours to see
    other = identity.issue(insurer_world.world.platform, Role.INSURER, "acme-group", "ACME")[1]
    stranger = TestClient(insurer_world.world.app)
    stranger.post("/console/login", data={"token": other})
    assert stranger.get(job_path).status_code == 403
    refused = _submit(stranger, _rule_file(client))
    assert refused.status_code == 403 and "candidate.insurer" in refused.text
    assert _count(insurer_world, jobs) == 1
