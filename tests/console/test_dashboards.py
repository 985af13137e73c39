"""The dashboards' figures: net of reversals, scoped to the caller's region, hospital or person, and
the latency percentiles and error rate from the per-minute histograms the server flushed."""

from __future__ import annotations

from datetime import timedelta

from syncsettle.adapters.db.management.dashboards import Scope, region_prefix
from syncsettle.adapters.observability.latency import INF_MS, quantile
from syncsettle.money import parse_yuan
from syncsettle.services.management import dashboards
from tests.console.seed import PRODUCT, Seeded


def _fen(answer: dict[str, object], key: str) -> int:
    summary = answer["summary"]
    assert isinstance(summary, dict)
    return parse_yuan(summary[key])


def test_overview_is_net_of_reversals_and_adds_up_by_payer(seeded: Seeded) -> None:
    p = seeded.world.platform
    since, until = dashboards.period(p, 30)
    view = dashboards.overview(p, Scope(), since, until)
    kept = [a for name, a in seeded.settled.items() if name != "reversed"]  # the reversal cancels its settlement
    assert view.totals["settlements"] == 4 and view.totals["reversals"] == 1
    for key in ("total", "public_funds", "commercial", "personal_account", "cash"):
        assert view.totals[key] == sum(_fen(a, key) for a in kept), key
    by_kind = dashboards.summed(view.daily_kinds)
    assert by_kind.get("fund", 0) == view.totals["public_funds"]
    assert by_kind.get("product", 0) == view.totals["commercial"]
    assert sum(dashboards.summed(view.daily_funds).values()) == view.totals["public_funds"]
    assert dashboards.summed(view.daily_products) == {f"product:{PRODUCT}": view.totals["commercial"]}
    assert list(view.products.values()) == ["烟台市民健康保 2025（yantai-hmb）"]
    assert sum(dashboards.summed(view.daily_regions).values()) == view.totals["total"]
    assert set(dashboards.summed(view.daily_regions)) == {"370600", "150900"}


def test_a_regulator_sees_only_its_insured_regions(seeded: Seeded) -> None:
    p = seeded.world.platform
    since, until = dashboards.period(p, 30)
    yantai = dashboards.overview(p, Scope(region_prefix=region_prefix("370600")), since, until)
    ulanqab = dashboards.overview(p, Scope(region_prefix=region_prefix("150000")), since, until)
    everything = dashboards.overview(p, Scope(region_prefix=region_prefix("*")), since, until)
    assert ulanqab.totals["total"] == _fen(seeded.settled["ulanqab"], "total")
    assert yantai.totals["total"] + ulanqab.totals["total"] == everything.totals["total"]
    assert set(dashboards.summed(yantai.daily_regions)) == {"370600"}


def test_latency_percentiles_and_error_rate_come_from_the_flushed_minutes(seeded: Seeded) -> None:
    p = seeded.world.platform
    now = p.clock.now()
    lat = dashboards.latency(p, now - timedelta(hours=1), now + timedelta(minutes=1))
    # settlements through the interface: 2304 once, 2207 three times, and one 2207 refused (no such visit)
    assert lat.overall["count"] == 5
    assert lat.overall["error_rate"] == 0.2
    assert lat.minutes and all(v is not None for v in lat.p50)
    assert lat.overall["p50"] is not None and lat.overall["p50"] <= (lat.overall["p99"] or 0)


def test_quantiles_interpolate_inside_the_bucket_like_prometheus() -> None:
    assert quantile({}, 0.5) is None
    assert quantile({10: 4}, 0.5) == 7.5  # all four in (5, 10]: halfway
    assert quantile({5: 50, 100: 50}, 0.99) == 50 + 50 * 49 / 50
    assert quantile({INF_MS: 3}, 0.5) == 10000.0  # beyond the last bound: the largest finite bound


def test_region_prefixes_of_regulator_tenants() -> None:
    assert [region_prefix(t) for t in ("*", "370000", "370600", "370602")] == ["", "37", "3706", "370602"]
