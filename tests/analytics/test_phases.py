"""Phase-balance recommendation (analytics.phases): proxy search proven with the power flow."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from analytics.phases import (
    COLUMNS,
    PhaseBalanceConfig,
    _block_means,
    _head,
    _Probe,
    _Proxy,
    _topology,
    apply_phases,
    default_engine_factory,
    plan_phases,
    recommend,
    write_phase_moves,
)
from grid_model.profiles import ieee_profiles
from scenarios.errors import InputError
from scenarios.generators import DistrictConfig, make_district, make_ieee_eu_lv_site
from twin.config import GridConfig
from twin.pipeline import build_engine


def _independent(site, p, q, step_h=1.0 / 60.0):
    """Power flow of the site as is, built and solved the ordinary way."""
    _, engine = build_engine(GridConfig(), site)
    res = engine.solve_day(p, q, network_outputs=True)
    return {
        "losses_kwh": float(res.p_loss_kw.sum() * step_h),
        "vuf_max_pct": float(np.nanmax(res.vuf_pct)),
        "neutral_peak_a": float(res.i_trafo_neutral_a.max()),
        "loading_peak_pct": float(res.loading_pct.max()),
    }


def _assert_matches(summary, when, ref):
    assert summary[f"losses_{when}_kwh"] == pytest.approx(ref["losses_kwh"], rel=1e-9)
    assert summary[f"vuf_max_{when}_pct"] == pytest.approx(ref["vuf_max_pct"], rel=1e-9)
    assert summary[f"neutral_peak_{when}_a"] == pytest.approx(ref["neutral_peak_a"], rel=1e-9)
    assert summary[f"loading_peak_{when}_pct"] == pytest.approx(ref["loading_peak_pct"], rel=1e-9)


def _unbalanced_district(seed: int = 3):
    """A small district, 10 % three-phase flats, the bigger half of the single-phase flats on phase A."""
    cfg = DistrictConfig(buildings=2, streets=1, entrances=2, floors=4, flats_per_floor=3, three_phase_share=0.1,
                         group_meters=False)
    site = make_district(cfg, seed=seed)
    rng = np.random.default_rng(seed)
    consumers = [replace(c, profile=f"ieee:{int(s)}")
                 for c, s in zip(site.consumers, rng.integers(1, 101, size=len(site.consumers)))]
    loads = ieee_profiles(consumers)
    energy = loads.p_kw.sum(axis=1)
    single = [i for i, c in enumerate(consumers) if c.phase != "ABC"]
    big = sorted(single, key=lambda i: -energy[i])[: len(single) // 2]
    consumers = [replace(c, phase="A") if i in big else c for i, c in enumerate(consumers)]
    return replace(site, consumers=consumers), loads


# --------------------------------------------------------------------------- IEEE feeder


@pytest.fixture(scope="module")
def ieee_case():
    site = make_ieee_eu_lv_site(seed=0)
    loads = ieee_profiles(site.consumers)
    t0 = time.perf_counter()
    frame, summary = recommend(site, loads.p_kw, loads.q_kvar, PhaseBalanceConfig(),
                               default_engine_factory(GridConfig()))
    elapsed = time.perf_counter() - t0
    return site, loads, frame, summary, elapsed


def test_ieee_reduces_losses_and_unbalance(ieee_case):
    site, _, frame, summary, _ = ieee_case
    moves = frame[frame["action"] == "move"]
    assert list(frame.columns) == COLUMNS
    assert 0 < summary["moves"] == len(moves) <= 10
    assert summary["losses_after_kwh"] < summary["losses_before_kwh"]
    assert summary["loss_reduction_pct"] > 3.0
    assert summary["vuf_max_after_pct"] < summary["vuf_max_before_pct"]
    assert summary["neutral_peak_after_a"] < summary["neutral_peak_before_a"]
    # every kept move confirmed: the cumulative losses fall row by row
    assert (moves["losses_after_kwh"] < moves["losses_before_kwh"] + 1e-12).all()
    phase = {c.consumer_id: c.phase for c in site.consumers}
    assert all(phase[cid] == f for cid, f in zip(moves["consumer_id"], moves["from_phase"]))
    assert (moves["from_phase"] != moves["to_phase"]).all()
    assert moves["consumer_id"].is_unique


def test_ieee_numbers_equal_an_independent_power_flow(ieee_case):
    site, loads, frame, summary, _ = ieee_case
    _assert_matches(summary, "before", _independent(site, loads.p_kw, loads.q_kvar))
    moved = apply_phases(site, plan_phases(frame))
    _assert_matches(summary, "after", _independent(moved, loads.p_kw, loads.q_kvar))
    # the rows (probe engine, warm-started) agree with the whole-plan figures
    moves = frame[frame["action"] == "move"]
    assert moves["losses_before_kwh"].iloc[0] == pytest.approx(summary["losses_before_kwh"], rel=1e-7)
    assert moves["losses_after_kwh"].iloc[-1] == pytest.approx(summary["losses_after_kwh"], rel=1e-7)
    # on the radial feeder the largest VUF is at a consumer bus
    assert moves["vuf_max_before_pct"].iloc[0] == pytest.approx(summary["vuf_max_before_pct"], rel=1e-6)


def test_ieee_three_phase_candidates(ieee_case):
    site, loads, frame, summary, _ = ieee_case
    three = frame[frame["action"] == "three_phase"]
    assert len(three) == summary["three_phase_evaluated"] == min(10, summary["three_phase_candidates"]) > 0
    assert (three["to_phase"] == "ABC").all()
    peaks = dict(zip([c.consumer_id for c in site.consumers], loads.p_kw.max(axis=1)))
    for cid, reason in zip(three["consumer_id"], three["reason"]):
        assert peaks[cid] > 7.0 or "excess" in reason
    # every row starts from the whole move plan
    assert np.allclose(three["losses_before_kwh"], summary["losses_after_kwh"], rtol=1e-7)
    rec = three[three["recommended"]]
    assert set(rec["consumer_id"]) == set(summary["three_phase_recommended"])
    assert (rec["losses_after_kwh"] < rec["losses_before_kwh"]).all()
    assert summary["losses_after_three_phase_kwh"] < summary["losses_after_kwh"]


def test_ieee_solve_count(ieee_case):
    """Probe solves stay bounded (the time is printed; speed targets live in benchmarks/)."""
    _, _, _, summary, elapsed = ieee_case
    print(f"IEEE feeder day: {elapsed:.1f} s ({summary['power_flow_solves']} probe solves; "
          f"probe build {summary['probe_build_seconds']:.1f} s, moves {summary['moves_seconds']:.1f} s, "
          f"three-phase {summary['three_phase_seconds']:.1f} s, verify {summary['verify_seconds']:.1f} s)")
    assert summary["power_flow_solves"] <= 2 * 10 + 1 + 2 * 10


# --------------------------------------------------------------------------- unbalanced district


@pytest.fixture(scope="module")
def district_case():
    site, loads = _unbalanced_district()
    cfg = PhaseBalanceConfig(max_moves=4)
    frame, summary = recommend(site, loads.p_kw, loads.q_kvar, cfg, default_engine_factory())
    return site, loads, frame, summary


def test_district_moves_respect_limits(district_case, tmp_path):
    site, _, frame, summary = district_case
    moves = frame[frame["action"] == "move"]
    assert 0 < len(moves) <= 4
    assert (moves["losses_after_kwh"] < moves["losses_before_kwh"]).all()
    assert np.allclose(moves["losses_before_kwh"].iloc[1:], moves["losses_after_kwh"].iloc[:-1])
    three_phase = {c.consumer_id for c in site.consumers if c.phase == "ABC"}
    assert three_phase, "the test site must have three-phase consumers"
    assert not set(moves["consumer_id"]) & three_phase
    assert not set(frame.loc[frame["action"] == "three_phase", "consumer_id"]) & three_phase
    assert summary["losses_after_kwh"] < summary["losses_before_kwh"]
    assert summary["vuf_max_after_pct"] < summary["vuf_max_before_pct"]
    path = write_phase_moves(tmp_path, frame)
    assert path.name == "phase_moves.csv" and path.read_text().startswith(",".join(COLUMNS))


def test_district_numbers_equal_an_independent_power_flow(district_case):
    site, loads, frame, summary = district_case
    _assert_matches(summary, "before", _independent(site, loads.p_kw, loads.q_kvar))
    moved = apply_phases(site, plan_phases(frame))
    assert sum(c.phase == "A" for c in moved.consumers) < sum(c.phase == "A" for c in site.consumers)
    _assert_matches(summary, "after", _independent(moved, loads.p_kw, loads.q_kvar))


def test_unbalance_objective_and_hourly_input():
    """Hourly means (T=24, 60-minute steps inferred); the probe path without rebuilt engines."""
    site, loads = _unbalanced_district(seed=5)
    p = loads.p_kw.reshape(len(site.consumers), 24, 60).mean(axis=2)
    q = loads.q_kvar.reshape(len(site.consumers), 24, 60).mean(axis=2)
    frame, summary = recommend(site, p, q, PhaseBalanceConfig(objective="unbalance", verify=False))
    assert summary["step_minutes"] == 60.0
    assert summary["vuf_max_after_pct"] < summary["vuf_max_before_pct"]
    ref = _independent(apply_phases(site, plan_phases(frame)), p, q, step_h=1.0)
    _assert_matches(summary, "after", ref)


def test_site_without_network_uses_the_head_proxy():
    """No topology in the site (the grid config supplies the IEEE feeder): feeder-head balance only."""
    site = make_ieee_eu_lv_site(seed=0)
    loads = ieee_profiles(site.consumers)
    bare = replace(site, network=None)
    grid = GridConfig(network="ieee_eu_lv")

    def factory(s):
        return build_engine(grid, s)  # (net, engine) is accepted too

    frame, summary = recommend(bare, loads.p_kw, loads.q_kvar,
                               PhaseBalanceConfig(objective="unbalance", max_moves=5, verify=False), factory)
    assert summary["proxy_kind"] == "head"
    assert 0 < summary["moves"] <= 5
    assert summary["vuf_max_after_pct"] < summary["vuf_max_before_pct"]


# --------------------------------------------------------------------------- balanced site


def test_balanced_site_gives_no_moves():
    """Three flats per floor on A, B, C with the same profile: every bus is balanced."""
    cfg = DistrictConfig(buildings=1, streets=1, entrances=2, floors=4, flats_per_floor=3, three_phase_share=0.0,
                         group_meters=False)
    site = make_district(cfg, seed=1)
    buses = sorted({c.bus for c in site.consumers})
    assert all(sorted(c.phase for c in site.consumers if c.bus == b) == ["A", "B", "C"] for b in buses)
    consumers = [replace(c, profile=f"ieee:{buses.index(c.bus) + 1}") for c in site.consumers]
    site = replace(site, consumers=consumers)
    loads = ieee_profiles(consumers)
    frame, summary = recommend(site, loads.p_kw, loads.q_kvar, PhaseBalanceConfig(verify=False))
    assert summary["moves"] == 0 and summary["proposed_moves"] == 0
    assert (frame["action"] != "move").all()
    assert summary["losses_after_kwh"] == summary["losses_before_kwh"]
    assert summary["vuf_max_before_pct"] < 0.05


# --------------------------------------------------------------------------- pieces


@pytest.mark.parametrize("kind", ["network", "head"])
def test_proxy_deltas_are_exact(kind):
    """ΔJ predicted for every move (and for going three-phase) equals J after minus J before."""
    site, loads = _unbalanced_district()
    s, counts = _block_means(loads.p_kw + 1j * loads.q_kvar, 60)
    topo = _topology(site)
    assert topo.kind == "network" and topo.a.shape[1] > 10
    if kind == "head":
        topo = _head(len(site.consumers), float(topo.r_ohm[0]), topo.v_ph)
    phase = np.array([["A", "B", "C", "ABC"].index(c.phase) for c in site.consumers])
    proxy = _Proxy(s, counts / 60.0, phase, topo)
    delta, abc = proxy.deltas(), proxy.abc_deltas()
    assert np.isinf(delta[phase == 3]).all() and np.isinf(abc[phase == 3]).all()
    j0 = proxy.value()
    for i in np.flatnonzero(phase < 3)[:6]:
        for target in range(4):
            if target == phase[i]:
                assert np.isinf(delta[i, target])
                continue
            trial = phase.copy()
            trial[i] = target
            predicted = abc[i] if target == 3 else delta[i, target]
            j1 = _Proxy(s, counts / 60.0, trial, topo).value()
            assert j1 - j0 == pytest.approx(predicted, rel=1e-8, abs=1e-12 * j0)
            if target < 3:
                moved = _Proxy(s, counts / 60.0, phase, topo)
                moved.move(i, target)
                assert moved.value() == pytest.approx(j1, rel=1e-10)


def test_loss_proxy_predicts_the_power_flow():
    """The losses proxy at one-minute resolution is a kWh estimate of the power flow's change."""
    site = make_ieee_eu_lv_site(seed=0)
    loads = ieee_profiles(site.consumers)
    probe = _Probe(site, default_engine_factory(), loads.p_kw, loads.q_kvar, 1.0 / 60.0)
    phase = np.array([["A", "B", "C", "ABC"].index(c.phase) for c in site.consumers])
    proxy = _Proxy(loads.p_kw + 1j * loads.q_kvar, np.full(1440, 1.0 / 60.0), phase, _topology(site))
    delta = proxy.deltas()
    base = probe.metrics(phase).losses_kwh
    rng = np.random.default_rng(1)
    predicted, solved = [], []
    for _ in range(12):
        i = int(rng.integers(len(phase)))
        q = int((phase[i] + rng.integers(1, 3)) % 3)
        trial = phase.copy()
        trial[i] = q
        predicted.append(delta[i, q])
        solved.append(probe.metrics(trial).losses_kwh - base)
    assert np.corrcoef(predicted, solved)[0, 1] > 0.98
    assert np.polyfit(predicted, solved, 1)[0] == pytest.approx(1.0, abs=0.1)


def test_probe_equals_the_sites_own_engine():
    site, loads = _unbalanced_district()
    probe = _Probe(site, default_engine_factory(), loads.p_kw, loads.q_kvar, 1.0 / 60.0)
    assign = np.array([["A", "B", "C", "ABC"].index(c.phase) for c in site.consumers])
    got = probe.metrics(assign)
    ref = _independent(site, loads.p_kw, loads.q_kvar)
    assert got.losses_kwh == pytest.approx(ref["losses_kwh"], rel=1e-9)
    assert got.neutral_peak_a == pytest.approx(ref["neutral_peak_a"], rel=1e-9)
    assert got.loading_peak_pct == pytest.approx(ref["loading_peak_pct"], rel=1e-9)
    assert got.vuf_max_pct <= ref["vuf_max_pct"] * (1 + 1e-9)


def test_bad_inputs():
    site, loads = _unbalanced_district()
    with pytest.raises(InputError, match="objective"):
        PhaseBalanceConfig(objective="cost")
    with pytest.raises(InputError, match="max_moves"):
        PhaseBalanceConfig(max_moves=-1)
    with pytest.raises(InputError, match="shape"):
        recommend(site, loads.p_kw[:-1], loads.q_kvar[:-1])
    bad = loads.p_kw.copy()
    bad[0, 0] = np.nan
    with pytest.raises(InputError, match="nan"):
        recommend(site, bad, loads.q_kvar)
