"""The service-test world: a migrated database (SQLite and PostgreSQL through the shared
``database_url`` fixture of ``tests/conftest.py``) with hospitals, persons and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from fastapi.testclient import TestClient

from syncsettle.adapters.clock import FixedClock, national_time
from syncsettle.adapters.commercial_settings import CommercialConfig
from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.core.migrate import upgrade
from syncsettle.adapters.rulebook import SHIPPED
from syncsettle.domain.commercial.vocabulary import Granularity, Purpose
from syncsettle.entrypoints.http.app import create_app
from syncsettle.services import admin
from syncsettle.services.commercial import consents
from syncsettle.services.commercial.reference_products import file_product, reference_content
from syncsettle.services.platform import Platform
from tests.commercial.actors import insured

__all__ = ["World", "enroll_all", "file_reference_products", "grant_consent", "line"]

HOSPITALS = [
    ("H37060000001", "烟台毓璜顶医院", "3", "370600"),
    ("H37060000002", "烟台市芝罘区医院", "2", "370600"),
    ("H15090000001", "乌兰察布市中心医院", "3", "150900"),
]


def person(psn_no: str, insutype: str = "390", psn_type: str = "1501", region: str = "370600",
           balc: str = "0.00") -> dict[str, Any]:  # fmt: skip
    return {
        "psn_no": psn_no, "psn_name": f"测试{psn_no}", "certno": f"37060219800101{psn_no[-4:]}", "gend": "1",
        "brdy": "1980-01-01", "insuplc_admdvs": region,
        "insuinfo": [{"insutype": insutype, "psn_type": psn_type, "balc": balc}],
    }  # fmt: skip


FILED_TO = date(2026, 12, 31)
CONSENT_FROM, CONSENT_TO = date(2025, 1, 1), date(2026, 12, 31)


def file_reference_products(
    platform: Platform, routes: Mapping[str, str] | None = None, *, status: str = "active",
    granularities: Mapping[str, str] | None = None,
) -> dict[str, int]:  # fmt: skip
    """File every shipped reference product through the filing lifecycle (its insurer admitted,
    drafted, submitted, approved, on sale, active — up to ``status``) in region 370600, approved from
    its first version to the end of 2026, on the rule file's route unless ``routes`` says otherwise
    (an approval the rules do not allow is refused as it would be for a real filing). Returns
    product id → filing id."""
    filed = {}
    for path in sorted((SHIPPED / "products").glob("*.yaml")):
        content = reference_content(path.stem)
        filed[path.stem] = file_product(
            platform, content, region="370600", route=(routes or {}).get(path.stem),
            granularity=(granularities or {}).get(path.stem), status=status, approved_to=FILED_TO,
            approved_from=date.fromisoformat(str(content["versions"][0]["effective_from"])),
        )  # fmt: skip
    return filed


def grant_consent(platform: Platform, psn_no: str, insurer: str, granularity: str = "detail",
                  purpose: str = "settlement") -> str:  # fmt: skip
    """The person grants ``insurer`` a consent from 2025-01-01 to 2026-12-31 (the consent flow: signed
    receipt, audited); returns its id (revoke with ``consents.revoke``)."""
    row = consents.grant(platform, insured(psn_no), insurer, Purpose(purpose), Granularity(granularity),
                         CONSENT_FROM, CONSENT_TO)  # fmt: skip
    return str(row["id"])


def enroll_all(platform: Platform, psn_nos: Iterable[str], product_ids: Iterable[str], **facts: Any) -> None:
    for psn_no in psn_nos:
        for product_id in product_ids:
            admin.enroll(platform, psn_no, product_id, date(2025, 1, 1), date(2026, 12, 31), **facts)


TEST_BUDGET_S = 5.0


class World:
    """A migrated database with three hospitals and a few persons, and an HTTP client per hospital."""

    def __init__(self, url: str) -> None:
        self.url = url  # for the CLI, which builds its own platform on the same database
        self.clock = FixedClock(datetime(2025, 6, 10, 2, 0, tzinfo=UTC))
        # the commercial legs' time budget (300 ms in service) made generous: a test on a loaded CI
        # machine must not see a cold in-process call time out; tests of the budget set their own
        commercial = replace(CommercialConfig.from_env(), budget_s=TEST_BUDGET_S)
        self.platform = Platform(engine=make_engine(url), clock=self.clock, commercial=commercial)
        upgrade(self.platform.engine)
        self.secrets = {code: admin.add_hospital(self.platform, code, n, lv, r) for code, n, lv, r in HOSPITALS}
        self.regions = {code: r for code, _n, _lv, r in HOSPITALS}
        admin.import_persons(
            self.platform,
            [person("P0001"), person("P0002", "310", "1101", balc="500.00"), person("P0003", "310", "1201"),
             person("U0001", region="150900")]
            + [person(f"Q{i:04d}") for i in range(100)],
        )  # fmt: skip
        self.app = create_app(self.platform)
        self.client = TestClient(self.app)
        self._serial = 0

    def add_hospital(self, code: str, name: str, level: str, region: str) -> str:
        """One more hospital (another level or region) the test's HIS calls from."""
        self.secrets[code] = admin.add_hospital(self.platform, code, name, level, region)
        self.regions[code] = region
        return code

    def msgid(self, hospital: str = "H37060000001") -> str:
        self._serial += 1
        return f"{hospital}20250610100000{self._serial:06d}"

    def call(self, infno: str, payload: dict[str, Any], hospital: str = "H37060000001", msgid: str | None = None,
             secret: str | None = None, insuplc: str = "") -> dict[str, Any]:  # fmt: skip
        """One envelope as a HIS sends it: the hospital's own region as ``mdtrtarea_admvs``; the
        person's ``insuplc_admdvs`` only when the test names it (blank is absent)."""
        region = self.regions.get(hospital, "")
        body = {
            "infno": infno, "msgid": msgid or self.msgid(hospital), "mdtrtarea_admvs": region,
            "insuplc_admdvs": insuplc, "recer_sys_code": "HIS", "infver": "V1.0", "opter_type": "1",
            "opter": "001", "opter_name": "收费员", "inf_time": "2025-06-10 10:00:00", "fixmedins_code": hospital,
            "fixmedins_name": "", "sign_no": "", "input": payload,
        }  # fmt: skip
        token = secret if secret is not None else self.secrets[hospital]
        response = self.client.post("/fsi/api", json=body, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code in (200, 401), response.text
        result: dict[str, Any] = response.json()
        return result

    def ok(self, infno: str, payload: dict[str, Any], **kw: Any) -> dict[str, Any]:
        result = self.call(infno, payload, **kw)
        assert result["infcode"] == 0, result["err_msg"]
        output: dict[str, Any] = result["output"]
        return output

    def outpatient_visit(self, psn_no: str, lines: list[dict[str, Any]], insutype: str = "390",
                         hospital: str = "H37060000001") -> str:  # fmt: skip
        begntime = national_time(self.clock.now())  # as a HIS sends it: when the patient registered
        reg = self.ok("2201", {"data": {"psn_no": psn_no, "insutype": insutype, "begntime": begntime}},
                      hospital=hospital)  # fmt: skip
        mdtrt_id: str = reg["data"]["mdtrt_id"]
        self.ok("2204", {"feedetail": [dict(line, mdtrt_id=mdtrt_id, psn_no=psn_no) for line in lines]},
                hospital=hospital)  # fmt: skip
        return mdtrt_id

    def inpatient_visit(self, psn_no: str, lines: list[dict[str, Any]], insutype: str = "390",
                        hospital: str = "H37060000001") -> str:  # fmt: skip
        adm = self.ok("2401", {"mdtrtinfo": {"psn_no": psn_no, "insutype": insutype, "med_type": "21"},
                               "diseinfo": [{"diag_code": "I63.9"}]}, hospital=hospital)  # fmt: skip
        mdtrt_id: str = adm["result"]["mdtrt_id"]
        self.ok("2301", {"feedetail": [dict(line, mdtrt_id=mdtrt_id, psn_no=psn_no) for line in lines]},
                hospital=hospital)  # fmt: skip
        return mdtrt_id


def line(sn: str, code: str, cnt: str, pric: str, total: str, **extra: str) -> dict[str, Any]:
    return {"feedetl_sn": sn, "med_list_codg": code, "cnt": cnt, "pric": pric, "det_item_fee_sumamt": total, **extra}
