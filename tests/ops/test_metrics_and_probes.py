"""/metrics counts settlements by route and result and shows the gauges other areas register;
/readyz says whether the database is reachable and migrated and the keys fit the mode; the latency
recorder adds what every worker counted into the same minutes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from syncsettle.adapters.db.core.engine import make_engine
from syncsettle.adapters.db.management.schema_console import latency_minutes
from syncsettle.adapters.observability import gauges
from syncsettle.adapters.observability.latency import LatencyRecorder, bucket_of
from syncsettle.adapters.settings import Mode, Settings
from syncsettle.entrypoints.http.app import create_app
from syncsettle.services.platform import Platform
from tests.console.seed import seed
from tests.world import World


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample of the exposition (0 when absent)."""
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            found = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0])) if "{" in line else {}
            if found == labels:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


@pytest.fixture
def registered() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in names:
        gauges.unregister(name)


def test_settlements_are_counted_and_timed_by_route_and_result(world: World) -> None:
    before = TestClient(world.app).get("/metrics").text
    seed(world)  # 2304 with a commercial leg (embedded), three 2207 without product… and one refused 2207
    after = TestClient(world.app).get("/metrics").text

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("syncsettle_settlements_total", route="embedded", result="ok") == 2  # the stay and P0001's visit
    assert delta("syncsettle_settlements_total", route="basic", result="ok") == 2
    assert delta("syncsettle_settlements_total", route="-", result="SS-1201") == 1
    assert delta("syncsettle_settlement_seconds_count", route="embedded", result="ok") == 2
    assert delta("syncsettle_interface_requests_total", infno="2208", result="ok") == 1
    assert sample(after, "syncsettle_outbox_unpublished") >= 5


def test_registered_gauges_are_read_at_scrape_time_and_a_broken_one_is_left_out(
    world: World, registered: list[str]
) -> None:
    levels = {("yantai-hmb",): 1200000, ("acme-group",): 50}
    gauges.register("syncsettle_test_reserve_fen", "test reserve", lambda p: levels, labels=("insurer",))
    gauges.register("syncsettle_test_pending", "test pending", lambda p: 3)
    gauges.register("syncsettle_test_broken", "raises", lambda p: 1 / 0)
    registered += ["syncsettle_test_reserve_fen", "syncsettle_test_pending", "syncsettle_test_broken"]
    client = TestClient(world.app)
    text = client.get("/metrics").text
    assert sample(text, "syncsettle_test_reserve_fen", insurer="yantai-hmb") == 1200000
    assert sample(text, "syncsettle_test_pending") == 3
    assert "syncsettle_test_broken" not in text
    levels[("acme-group",)] = 0
    assert sample(client.get("/metrics").text, "syncsettle_test_reserve_fen", insurer="acme-group") == 0
    with pytest.raises(ValueError):
        gauges.register("not a name", "x", lambda p: 1)


def test_readyz_is_ready_on_a_migrated_database(world: World) -> None:
    body = TestClient(world.app).get("/readyz").json()
    assert body["ready"] is True and body["checks"]["database"] == "ok"


def test_readyz_is_not_ready_unmigrated_unreachable_or_with_development_keys_in_production(
    tmp_path: Path, world: World
) -> None:
    bare = Platform(engine=make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    response = TestClient(create_app(bare)).get("/readyz")
    assert response.status_code == 503 and "code needs" in response.json()["checks"]["migrations"]
    gone = Platform(engine=make_engine("postgresql://postgres@127.0.0.1:1/nothing"))  # nothing listens on port 1
    response = TestClient(create_app(gone)).get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["database"].startswith("unreachable")
    production = Platform(engine=world.platform.engine, settings=Settings(mode=Mode.PRODUCTION))
    response = TestClient(create_app(production)).get("/readyz")
    assert response.status_code == 503 and "development keys" in response.json()["checks"]["keys"]


def test_two_recorders_flushing_the_same_minute_add_up(world: World) -> None:
    p = world.platform
    minute = datetime(2025, 6, 10, 2, 0, 30, tzinfo=UTC)
    first, second = LatencyRecorder(), LatencyRecorder()
    for recorder in (first, second, first):
        recorder.observe(minute, "2207", "basic", "ok", 0.004)
    second.observe(minute, "2207", "basic", "SS-1201", 0.2)
    assert first.flush(p.engine) == 2 and second.flush(p.engine) == 2 and first.flush(p.engine) == 0
    with p.uow(readonly=True) as uow:
        t = latency_minutes.c
        rows = uow.conn.execute(select(t.outcome, t.le_ms, t["count"], t.sum_us)).all()
        total = uow.conn.execute(select(func.sum(t["count"]))).scalar_one()
    assert sorted((r[0], r[1], r[2], r[3]) for r in rows) == [("SS-1201", 250, 1, 200000), ("ok", 5, 3, 12000)]
    assert total == 4


def test_a_failed_flush_keeps_the_counts(tmp_path: Path) -> None:
    recorder = LatencyRecorder()
    recorder.observe(datetime(2025, 6, 10, tzinfo=UTC), "2207", "basic", "ok", 0.01)
    unmigrated = Platform(engine=make_engine(f"sqlite:///{tmp_path / 'empty.db'}"))
    with pytest.raises(Exception, match="latency_minutes"):
        recorder.flush(unmigrated.engine)
    assert recorder.pending() == 1


def test_bucket_bounds_include_their_upper_edge() -> None:
    assert [bucket_of(ms) for ms in (0.1, 5, 5.01, 10000, 10001)] == [5, 5, 10, 10000, 2_147_483_647]


def test_metrics_want_the_token_or_a_local_client(world: World, monkeypatch: Any) -> None:
    """Issue 15 defect 7: /metrics showed every insurer's reserve to anyone."""
    remote = TestClient(world.app, client=("203.0.113.9", 50000))
    assert remote.get("/metrics").status_code == 401
    assert TestClient(world.app).get("/metrics").status_code == 200  # this machine, no token configured
    monkeypatch.setenv("SYNCSETTLE_METRICS_TOKEN", "scrape-secret")
    assert TestClient(world.app).get("/metrics").status_code == 401
    assert remote.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert remote.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200


def test_a_database_sealed_with_other_keys_is_not_ready_and_does_not_start(world: World) -> None:
    """Issue 15 defect 9: production keys that did not seal this database reported ready, then every
    1101 was a 500. Now the probe says why, and the server refuses to start."""
    from syncsettle.adapters.settings import generate_key_file, parse_key_file
    from syncsettle.entrypoints.http.main import app_for
    from syncsettle.services.management.key_check import KeyMismatch, key_mismatch

    assert key_mismatch(world.platform) is None
    other = Settings(mode=Mode.PRODUCTION, keys=parse_key_file(generate_key_file(), "other.json"), source="other")
    stranger = Platform(engine=world.platform.engine, settings=other)
    assert "sm4.pii" in (key_mismatch(stranger) or "")
    response = TestClient(create_app(stranger)).get("/readyz")
    assert response.status_code == 503 and "sm4.pii" in response.json()["checks"]["sealed_data"]
    with pytest.raises(KeyMismatch):
        app_for(stranger)
