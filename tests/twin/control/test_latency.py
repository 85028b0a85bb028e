"""Tests of the DR command-latency model: fit to one mesh_sim run, tested on a held-out run."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from mesh_sim.city import run_site
from mesh_sim.config import MeshConfig
from mesh_sim.records import MeshResult, NodeRecord
from mesh_sim.summary import modules_of
from scenarios.errors import InputError
from scenarios.generators import make_district
from scenarios.generators.district import DistrictConfig
from scenarios.site import MeterKind
from twin.control.latency import LatencyModel, consumer_hops, fit_latency, fixed_latency, site_latency

SEED_FIT, SEED_HELD_OUT = 42, 43
#: Latencies are compared at 0.1 s: below that they differ only by float noise
#: of absolute simulation time (the DR simulation steps by the minute).
RESOLUTION_S = 0.1
#: Broadcasts a day in the fit tests. Modules report once an hour at a fixed
#: minute each, and a flood that meets a report can reach half the mesh one
#: wake interval late; 192 a day (every 7.5 min) would try only 8 minutes of
#: the hour (1 in 40 seed pairs then failed the p95 check: one run's 8th
#: broadcast hit a report), 191 sweeps the hour.
PER_DAY = 191.0


def ks_statistic(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov statistic (largest gap between the empirical CDFs)."""
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    return float(np.max(np.abs(np.searchsorted(a, grid, side="right") / a.size
                               - np.searchsorted(b, grid, side="right") / b.size)))


def per_home(site, result: MeshResult) -> np.ndarray:
    """(broadcasts, consumers) latency at each home's electricity-meter module, inf where not received."""
    mods = modules_of(result)
    col = {m.node_id: k for k, m in enumerate(mods) if m.status == "ok"}
    module_of = {m.consumer_id: m.module_id for m in site.meters if m.kind == MeterKind.ELECTRICITY}
    b = result.broadcast_latency_s
    out = np.full((b.shape[0], len(site.consumers)), np.inf)
    for i, c in enumerate(site.consumers):
        k = col.get(module_of.get(c.consumer_id))
        if k is not None:
            out[:, i] = np.where(np.isfinite(b[:, k]), b[:, k], np.inf)
    return out


def compare(model: LatencyModel, hops: np.ndarray, held_out: np.ndarray, commands: int = 200) -> dict[str, float]:
    """Model draws for ``commands`` commands to the homes vs the held-out per-home latencies."""
    rng = np.random.default_rng(0)
    sim = np.vstack([model.sample(hops, rng) for _ in range(commands)])
    fs = np.round(sim[np.isfinite(sim)] / RESOLUTION_S) * RESOLUTION_S
    fh = np.round(held_out[np.isfinite(held_out)] / RESOLUTION_S) * RESOLUTION_S
    return {
        "mean_rel": abs(fs.mean() / fh.mean() - 1.0),
        "p95_rel": abs(np.percentile(fs, 95) / np.percentile(fh, 95) - 1.0),
        "ks": ks_statistic(fs, fh),
        "delivery_abs": abs(np.isfinite(sim).mean() - np.isfinite(held_out).mean()),
        "share_sd_model": float(np.isfinite(sim).mean(axis=1).std()),
        "share_sd_held_out": float(np.isfinite(held_out).mean(axis=1).std()),
    }


def with_broadcasts(cfg: MeshConfig, days: float, per_day: float) -> MeshConfig:
    return dataclasses.replace(cfg, days=days,
                               traffic=dataclasses.replace(cfg.traffic, broadcasts_per_day=per_day))


@pytest.fixture(scope="module")
def small_site():
    return make_district(DistrictConfig(buildings=2, streets=1, entrances=2, floors=5, water=False), 1)


#: The held-out-seed check below is sized for WiseMAC floods (one wake interval per hop, nearly
#: deterministic); under the synchronised MAC a broadcast waits a uniform part of a wake interval,
#: so 47 broadcasts per run give a mean that varies about 8 % between seeds.
LPL = dataclasses.replace(MeshConfig(), mac=dataclasses.replace(MeshConfig().mac, scheme="wisemac"))


@pytest.fixture(scope="module")
def small_fit(small_site):
    return site_latency(small_site, LPL, SEED_FIT, days=0.25, broadcasts_per_day=PER_DAY)


# -- fit against a held-out run -----------------------------------------------------------------
def test_fit_matches_held_out_seed(small_site, small_fit):
    """Default mesh: the model of seed A predicts the per-home latencies of seed B.

    The default 433 MHz mesh of a small district is one hop almost everywhere
    (about 30 s, one wake interval, with a rare 60 s), so this mostly checks the
    plumbing; seed pairs 10/110..49/149 all passed.
    """
    model, hops, result = small_fit
    assert result.broadcast_latency_s.shape[0] in (47, 48)
    held = run_site(small_site, with_broadcasts(LPL, 0.25, PER_DAY), SEED_HELD_OUT)
    m = compare(model, hops, per_home(small_site, held))
    assert m["mean_rel"] < 0.10, m
    assert m["p95_rel"] < 0.15, m
    assert m["ks"] < 0.15, m
    assert m["delivery_abs"] < 0.02, m


def _se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(x.size))


def test_fit_matches_held_out_broadcasts_multihop():
    """Weak links (-20 dBm): 1- and 2-hop routes, floods that now and then miss a building.

    Fit on a random half of the broadcasts of one run, test on the other half
    of the same mesh (another seed would redraw the shadowing, i.e. build
    another mesh). Losses come a building at a time, so the sampling error is
    set by the number of broadcasts, not of homes: delivery and mean latency
    are tested against 4 standard errors of the per-broadcast figures of both
    halves (over seeds 10-29 |z| reached 3.1: broadcasts are not independent,
    a bad route lasts until the next refresh); p95 within one wake interval
    (latencies come in steps of one, 30 s).
    """
    site = make_district(DistrictConfig(buildings=2, streets=1, entrances=2, floors=9, water=False), 1)
    cfg = MeshConfig()
    cfg = dataclasses.replace(cfg, radio=dataclasses.replace(cfg.radio, tx_power_dbm=-20.0))
    _, hops, result = site_latency(site, cfg, SEED_FIT, days=1.0, broadcasts_per_day=PER_DAY)
    assert {1, 2} <= set(np.unique(hops).tolist())
    b = result.broadcast_latency_s
    order = np.random.default_rng(0).permutation(b.shape[0])
    fit_rows, test_rows = np.sort(order[: b.shape[0] // 2]), np.sort(order[b.shape[0] // 2:])
    model = fit_latency(dataclasses.replace(result, broadcast_latency_s=b[fit_rows]))
    fit_homes = per_home(site, dataclasses.replace(result, broadcast_latency_s=b[fit_rows]))
    held = per_home(site, dataclasses.replace(result, broadcast_latency_s=b[test_rows]))
    m = compare(model, hops, held)

    share_fit, share_held = np.isfinite(fit_homes).mean(axis=1), np.isfinite(held).mean(axis=1)
    mean_fit = np.array([r[np.isfinite(r)].mean() for r in fit_homes if np.isfinite(r).any()])
    mean_held = np.array([r[np.isfinite(r)].mean() for r in held if np.isfinite(r).any()])
    assert m["delivery_abs"] < 4.0 * np.hypot(_se(share_fit), _se(share_held)) + 0.005, m
    assert m["mean_rel"] < 4.0 * np.hypot(_se(mean_fit), _se(mean_held)) / mean_held.mean() + 0.01, m
    assert m["ks"] < 0.15, m
    rng = np.random.default_rng(0)
    sim = np.concatenate([model.sample(hops, rng) for _ in range(200)])
    assert abs(np.percentile(sim[np.isfinite(sim)], 95) - np.percentile(held[np.isfinite(held)], 95)) \
        <= cfg.mac.wake_interval_s + 1.0


def test_fit_per_hop_matches_result(small_fit):
    model, _, result = small_fit
    mods = modules_of(result)
    hops = np.array([m.hops for m in mods])
    b = result.broadcast_latency_s
    for h in model.delivery:
        cell = b[:, hops == h]
        assert model.delivery[h] == pytest.approx(np.isfinite(cell).mean())
        np.testing.assert_array_equal(model.samples_s[h], np.sort(cell[np.isfinite(cell)]))
        assert model.delivery_by_broadcast[h].mean() == pytest.approx(model.delivery[h])
    assert "seed 42" in model.source and f"{b.shape[0]} broadcasts" in model.source


def test_site_latency_leaves_config_alone(small_site):
    cfg = MeshConfig()
    model, hops, result = site_latency(small_site, cfg, 1, days=0.05, broadcasts_per_day=480.0)
    assert cfg.days == 1.0 and cfg.traffic.broadcasts_per_day == 2.0
    assert result.broadcast_latency_s.shape[0] == 24
    assert hops.shape == (len(small_site.consumers),)


# -- consumer hops ------------------------------------------------------------------------------
def test_consumer_hops_follow_meters_and_modules(small_site, small_fit):
    _, hops, result = small_fit
    by_id = {m.node_id: m for m in modules_of(result)}
    for c, h in zip(small_site.consumers, hops):
        meter = small_site.electricity_meter_of(c.consumer_id)
        module = by_id[meter.module_id]
        assert meter.meter_id in next(m for m in small_site.modules if m.module_id == meter.module_id).meter_ids
        assert h == module.hops and h >= 1


def test_consumer_hops_minus_one_for_unreachable(small_site, small_fit):
    _, hops, result = small_fit
    site = dataclasses.replace(small_site, meters=list(small_site.meters))
    first, second = site.consumers[0], site.consumers[1]
    down = site.electricity_meter_of(first.consumer_id).module_id
    nodes = [dataclasses.replace(n, status="unreachable", hops=-1) if n.node_id == down else n
             for n in result.nodes]
    # Second consumer: its meter wired to no module.
    site.meters = [dataclasses.replace(m, module_id=None)
                   if m.consumer_id == second.consumer_id and m.kind == MeterKind.ELECTRICITY else m
                   for m in site.meters]
    got = consumer_hops(site, dataclasses.replace(result, nodes=nodes))
    shared = [i for i, c in enumerate(site.consumers)
              if site.electricity_meter_of(c.consumer_id).module_id == down]
    assert got[1] == -1
    assert all(got[i] == -1 for i in shared) and 0 in shared
    others = [i for i in range(len(got)) if i not in shared and i != 1]
    np.testing.assert_array_equal(got[others], hops[others])


def test_unrouted_modules_left_out_of_fit():
    nodes = [NodeRecord("A", "module", 0, 0, 0, 0, 1, "ok", "C", "C", 1, 10.0, 1.0),
             NodeRecord("B", "module", 0, 0, 0, 0, 1, "unreachable", "", "", -1, -5.0, 0.0),
             NodeRecord("C", "concentrator", 0, 0, 0, 0, 0, "ok", "", "", 0, 0.0, 0.0)]
    b = np.array([[30.0, 40.0], [np.nan, np.nan], [31.0, np.nan]])
    result = MeshResult(nodes, np.zeros(0), np.zeros(0), 0, 0, 0, 0, b, np.zeros(0), 0, np.zeros(0), 0, 0.0, 0.0)
    model = fit_latency(result)
    assert set(model.delivery) == {1}
    assert model.delivery[1] == pytest.approx(2 / 3)
    np.testing.assert_array_equal(model.samples_s[1], [30.0, 31.0])
    np.testing.assert_allclose(model.delivery_by_broadcast[1], [1.0, 0.0, 1.0])


def test_padding_of_merged_subnets_is_not_a_loss():
    """mesh_sim.city.merge pads a subnet with one broadcast fewer with a NaN row."""
    nodes = [NodeRecord("A", "module", 0, 0, 0, 0, 1, "ok", "C1", "C1", 1, 10.0, 1.0),
             NodeRecord("B", "module", 0, 0, 0, 0, 1, "ok", "C2", "C2", 1, 10.0, 1.0),
             NodeRecord("C1", "concentrator", 0, 0, 0, 0, 0, "ok", "", "", 0, 0.0, 0.0),
             NodeRecord("C2", "concentrator", 0, 0, 0, 0, 0, "ok", "", "", 0, 0.0, 0.0)]
    b = np.array([[30.0, 30.0], [30.0, np.nan], [30.0, 30.0], [30.0, np.nan]])
    result = MeshResult(nodes, np.zeros(0), np.zeros(0), 0, 0, 0, 0, b, np.zeros(0), 0, np.zeros(0), 0, 0.0, 0.0)
    model = fit_latency(result)
    assert model.delivery[1] == pytest.approx(6 / 7)  # row 1 lost at B, row 3 padding of B's subnet
    np.testing.assert_allclose(model.delivery_by_broadcast[1], [1.0, 0.5, 1.0, 1.0])


# -- fixed model and sampling -------------------------------------------------------------------
def test_fixed_latency_is_exact():
    model = fixed_latency(35.0)
    hops = np.array([1, 2, 7, 30, 31, 45, 0])
    draws = model.sample(hops, np.random.default_rng(0))
    np.testing.assert_array_equal(draws, np.full(hops.size, 35.0))
    assert model.mean_s(hops) == 35.0
    assert model.source == "fixed 35 s"


def test_fixed_latency_loses_one_minus_delivery():
    model = fixed_latency(20.0, delivery=0.9)
    draws = model.sample(np.ones(200_000, dtype=int), np.random.default_rng(3))
    assert np.isinf(draws).mean() == pytest.approx(0.1, abs=0.003)
    assert set(np.unique(draws[np.isfinite(draws)])) == {20.0}


def test_no_route_is_always_lost():
    for model in (fixed_latency(10.0), LatencyModel({1: np.array([30.0])}, {1: 1.0}, "t")):
        draws = model.sample(np.array([-1, 1, -1, 2]), np.random.default_rng(0))
        assert np.isinf(draws[[0, 2]]).all() and np.isfinite(draws[[1, 3]]).all()
        assert np.isinf(model.sample(np.full(5, -1), np.random.default_rng(0))).all()
        assert np.isnan(model.mean_s(np.array([-1, -1])))


def test_same_seed_same_draws(small_fit):
    model, hops, _ = small_fit
    for correlated in (True, False):
        a = [model.sample(hops, np.random.default_rng(7), correlated) for _ in range(3)]
        np.testing.assert_array_equal(a[0], a[1])
        np.testing.assert_array_equal(a[0], a[2])
    rng = np.random.default_rng(7)
    assert not np.array_equal(*(fixed_latency(1.0, 0.5).sample(np.ones(50, int), rng) for _ in range(2)))


def test_sampling_draws_from_hop_samples_and_extrapolates():
    model = LatencyModel({1: np.array([30.0, 60.0]), 2: np.array([60.0, 90.0, 120.0])},
                         {1: 1.0, 2: 0.81}, "toy")
    rng = np.random.default_rng(0)
    d1 = model.sample(np.ones(20_000, int), rng)
    assert set(np.unique(d1)) == {30.0, 60.0}
    assert (d1 == 30.0).mean() == pytest.approx(0.5, abs=0.02)
    d2 = model.sample(np.full(20_000, 2), rng)
    assert set(np.unique(d2[np.isfinite(d2)])) == {60.0, 90.0, 120.0}
    assert np.isfinite(d2).mean() == pytest.approx(0.81, abs=0.01)
    # Hop 4: hop 2's samples + 2 x 45 s (slope of the weighted means 45 -> 90 s), delivery 0.81 * 0.9**2.
    assert model.step_s() == pytest.approx(45.0)
    d4 = model.sample(np.full(20_000, 4), rng)
    assert set(np.unique(d4[np.isfinite(d4)])) == {150.0, 180.0, 210.0}
    assert np.isfinite(d4).mean() == pytest.approx(0.81 * 0.81, abs=0.01)
    assert model.mean_s(np.array([1, 2, -1])) == pytest.approx((45.0 + 0.81 * 90.0) / 1.81)


def test_single_hop_extrapolates_in_proportion():
    model = LatencyModel({1: np.array([30.0])}, {1: 1.0}, "one hop")
    np.testing.assert_array_equal(model.sample(np.array([1, 3]), np.random.default_rng(0)), [30.0, 90.0])


def test_correlated_draws_lose_commands_together():
    """A broadcast that reached no one (or everyone) in the fit does so for all homes of a command."""
    model = LatencyModel({1: np.array([30.0])}, {1: 0.5}, "toy", {1: np.array([1.0, 0.0])})
    rng = np.random.default_rng(0)
    hops = np.ones(400, dtype=int)
    shares = np.array([np.isfinite(model.sample(hops, rng)).mean() for _ in range(400)])
    assert set(np.unique(shares)) == {0.0, 1.0}
    assert shares.mean() == pytest.approx(0.5, abs=0.08)
    independent = np.array([np.isfinite(model.sample(hops, rng, correlated=False)).mean() for _ in range(400)])
    assert independent.std() < 0.05 and independent.mean() == pytest.approx(0.5, abs=0.01)


def test_vectorised_for_many_homes():
    model = LatencyModel({1: np.linspace(30, 40, 100), 2: np.linspace(60, 90, 50)}, {1: 0.99, 2: 0.9}, "t",
                         {1: np.array([1.0, 0.98]), 2: np.array([1.0, 0.8])})
    hops = np.random.default_rng(0).integers(-1, 3, 500)
    out = np.vstack([model.sample(hops, np.random.default_rng(k)) for k in range(300)])
    assert out.shape == (300, 500)
    assert np.isinf(out[:, hops == -1]).all()


def test_bad_models_rejected():
    with pytest.raises(InputError):
        fixed_latency(-1.0)
    with pytest.raises(InputError):
        fixed_latency(10.0, delivery=1.5)
    with pytest.raises(InputError):
        LatencyModel({1: np.zeros(0)}, {1: 0.0}, "nothing received")
    with pytest.raises(InputError):
        LatencyModel({1: np.zeros(0)}, {1: 0.5}, "delivery without samples")
