"""Simulated hourly meter data: determinism, group meters = truth + losses + equipment, anomalies, speed."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from analytics.inject import PATTERNS, Anomaly, apply, draw_anomalies
from analytics.synth import DEFAULT_LOSS_PCT, SynthConfig, hourly_shapes, make_data
from scenarios import ieee_eu_lv
from scenarios.errors import InputError
from scenarios.generators import DistrictConfig, RuralConfig, make_district, make_ieee_eu_lv_site, make_rural_street
from scenarios.site import MeterKind

DAYS = 28


@pytest.fixture(scope="module")
def site():
    """2 buildings × 2 entrances × 5 floors × 4 flats = 80 flats with electricity, water and gas."""
    return make_district(DistrictConfig(buildings=2, streets=1, entrances=2, floors=5, gas=True), seed=3)


@pytest.fixture(scope="module")
def anomalies(site):
    ids = [m.meter_id for m in site.meters if m.consumer_id and m.kind == MeterKind.ELECTRICITY]
    return [Anomaly(ids[3 * k], p, 8 + k, 1.0 if p == "stopped" else 0.5,
                    param=0b1111111 if p == "weekday_bypass" else 5) for k, p in enumerate(PATTERNS)]


@pytest.fixture(scope="module")
def clean(site):
    return make_data(site, SynthConfig(days=DAYS), seed=11)


@pytest.fixture(scope="module")
def dirty(site, anomalies):
    return make_data(site, SynthConfig(days=DAYS), seed=11, anomalies=anomalies)


def _descendants(site, gid):
    out, todo = {gid}, [gid]
    while todo:
        g = todo.pop()
        for c in site.groups:
            if c.parent_id == g:
                out.add(c.group_id)
                todo.append(c.group_id)
    return out


def test_shapes_and_layout(site, clean):
    n_h = DAYS * 24
    assert clean.values.shape == (len(site.meters), n_h)
    assert clean.meter_ids == [m.meter_id for m in site.meters]
    elec = [m.meter_id for m in site.meters if m.consumer_id and m.kind == MeterKind.ELECTRICITY]
    assert clean.consumer_meter_ids == elec and clean.true_kwh.shape == (80, n_h)
    assert clean.start == pd.Timestamp("2026-01-05T00:00:00+02:00")
    assert set(clean.technical_loss_kwh) == {g.group_id for g in site.groups} == set(clean.equipment_kwh)
    assert clean.units["M-B01-E1-F01-01-E"] == "kWh" and clean.units["M-B01-E1-F01-01-W"] == "m3"
    assert np.all(clean.true_kwh >= 0)
    daily = clean.true_kwh.sum(axis=1).mean() / DAYS
    assert 5.0 < daily < 12.0  # the IEEE shapes' level (8.4 kWh/day) with the weekend uplift


def test_deterministic(site, clean):
    again = make_data(site, SynthConfig(days=DAYS), seed=11)
    assert np.array_equal(again.values, clean.values, equal_nan=True)
    assert np.array_equal(again.true_kwh, clean.true_kwh)
    other = make_data(site, SynthConfig(days=DAYS), seed=12)
    assert not np.array_equal(other.true_kwh, clean.true_kwh)


def test_group_meter_is_truth_plus_losses_plus_equipment(site, clean):
    row = {m: i for i, m in enumerate(clean.consumer_meter_ids)}
    group_of = {m.meter_id: m.group_id for m in site.meters}
    for g in site.groups:
        below = _descendants(site, g.group_id)
        true = sum(clean.true_kwh[row[m]] for m in clean.consumer_meter_ids if group_of[m] in below)
        loss = sum(clean.technical_loss_kwh[x] for x in below)
        eq = sum(clean.equipment_kwh[x] for x in below)
        gm = clean.row(g.group_meter_id)
        assert not np.isnan(gm).any()
        assert np.allclose(gm, true + loss + eq, rtol=1e-12, atol=0)


def test_losses_are_the_configured_share_with_fixed_and_quadratic_parts(site, clean):
    for g in site.groups:
        pct = DEFAULT_LOSS_PCT[g.level.value]
        loss = clean.technical_loss_kwh[g.group_id]
        gm = clean.row(g.group_meter_id)
        assert loss.sum() / gm.sum() == pytest.approx(pct / 100, rel=1e-9, abs=1e-15)
        if pct == 0:
            assert np.all(loss == 0)
            continue
        flow = gm - loss  # what the group delivers
        assert loss.min() >= 0.2 * loss.mean() * (1 - 1e-12)  # the fixed 20 %
        k = (loss - loss.min()) / (flow ** 2 - flow.min() ** 2 + 1e-300)
        hi = flow > np.quantile(flow, 0.5)
        assert np.allclose(k[hi], k[hi][0], rtol=1e-9)  # the rest ∝ P²
    top = clean.row("GM-R1")
    share = (top.sum() - clean.true_kwh.sum()) / top.sum()
    assert 0.05 < share < 0.08  # entrance 1 + building 1.5 + street 2 + district 2.5 % compound to ≈ 7 %


def test_loss_settings_by_number_and_group(site):
    flat = make_data(site, SynthConfig(days=7, loss_pct=3.0, loss_fixed_share=1.0), seed=1)
    for g in site.groups:
        loss = flat.technical_loss_kwh[g.group_id]
        assert np.allclose(loss, loss[0])  # all fixed
        assert loss.sum() / flat.row(g.group_meter_id).sum() == pytest.approx(0.03)
    one = make_data(site, SynthConfig(days=7, loss_pct={"B01": 4.0}), seed=1)
    assert one.technical_loss_kwh["B01"].sum() / one.row("GM-B01").sum() == pytest.approx(0.04)
    assert all(not one.technical_loss_kwh[g.group_id].any() for g in site.groups if g.group_id != "B01")
    with pytest.raises(InputError):
        make_data(site, SynthConfig(days=7, loss_pct=100.0), seed=1)


def test_equipment_per_concentrator(site, clean):
    total_w = sum(e[0] for e in clean.equipment_kwh.values()) * 1000
    assert total_w == pytest.approx(5.0 * len(site.concentrators))
    assert all(np.all(e == e[0]) for e in clean.equipment_kwh.values())


def test_consumer_meters_register_truth_times_error_with_gaps(site, clean):
    row = {m: i for i, m in enumerate(clean.meter_ids)}
    reg = clean.values[[row[m] for m in clean.consumer_meter_ids]]
    ok = ~np.isnan(reg)
    expected = clean.true_kwh * (1 + clean.meter_error[:, None])
    assert np.allclose(reg[ok], expected[ok], rtol=1e-12)
    assert 0.0 < np.abs(clean.meter_error).max() < 0.03 and np.std(clean.meter_error) < 0.01


def test_gaps_are_short_runs_on_consumer_meters_only(site):
    d = make_data(site, SynthConfig(days=DAYS, gap_share=0.02), seed=5)
    group_meters = {g.group_meter_id for g in site.groups}
    consumer = np.array([m not in group_meters for m in d.meter_ids])
    assert not np.isnan(d.values[~consumer]).any()
    share = np.isnan(d.values[consumer]).mean()
    assert 0.012 < share < 0.025
    # run lengths
    mask = np.isnan(d.values[consumer])
    padded = np.pad(mask.astype(int), ((0, 0), (1, 1)))
    starts = np.argwhere(np.diff(padded, axis=1) == 1)
    ends = np.argwhere(np.diff(padded, axis=1) == -1)
    lengths = ends[:, 1] - starts[:, 1]
    assert 1.5 < lengths.mean() < 4.5
    assert not np.isnan(make_data(site, SynthConfig(days=3, gap_share=0.0), seed=5).values).any()


def test_daily_shapes_from_a_small_subset_and_weekend():
    site = make_district(DistrictConfig(buildings=1, streets=1, entrances=1, floors=3, water=False), seed=1)
    d = make_data(site, SynthConfig(days=21, shapes_per_consumer=3, weekend_factor=1.0), seed=2)
    table = hourly_shapes()
    for t in d.true_kwh:
        used, scales = set(), set()
        for day in t.reshape(21, 24):
            ratio = day / table  # (100, 24): constant along the row of the shape the day is
            j = int(np.argmin(np.ptp(ratio, axis=1) / ratio.mean(axis=1)))
            assert np.allclose(ratio[j], ratio[j][0], rtol=1e-9)
            used.add(j)
            scales.add(round(float(ratio[j][0]), 9))
        assert len(used) <= 3 and len(scales) == 1  # habits: 3 shapes, one level
    one = make_data(site, SynthConfig(days=14, shapes_per_consumer=1, weekend_factor=2.0, scale_sigma=0.0), seed=2)
    days = one.true_kwh.reshape(len(one.true_kwh), 14, 24).sum(axis=2)
    assert np.allclose(days[:, 1:5], days[:, :1])
    assert np.allclose(days[:, 5:7], 2 * days[:, :1])  # 2026-01-10/11 are Saturday and Sunday
    assert np.allclose(days[:, 12:14], 2 * days[:, :1])


def test_hourly_table_is_the_minute_mean():
    assert hourly_shapes().shape == (100, 24)
    assert np.allclose(hourly_shapes()[11], ieee_eu_lv.load_shape(12).reshape(24, 60).mean(axis=1))


def test_ieee_profile_consumers_keep_their_shape():
    site = make_ieee_eu_lv_site(seed=0)
    d = make_data(site, SynthConfig(days=3, shapes_per_consumer=1, weekend_factor=1.0, scale_sigma=0.0,
                                    start="2026-01-05T06:00:00+02:00"), seed=1)
    profile = {c.consumer_id: int(c.profile.split(":")[1]) for c in site.consumers}
    meters = {m.meter_id: m.consumer_id for m in site.meters}
    for t, mid in zip(d.true_kwh, d.consumer_meter_ids):
        shape = hourly_shapes()[profile[meters[mid]] - 1]
        assert np.allclose(t, np.tile(shape, 4)[6:6 + 72])  # starts at local 06:00
    assert d.start.hour == 6 and d.values.shape[1] == 72


def test_other_kinds_and_leaks(site):
    d = make_data(site, SynthConfig(days=DAYS, water_leak_share=0.25, gap_share=0.0), seed=4)
    kinds = {m.meter_id: m.kind for m in site.meters}
    water = np.array([kinds[m] == MeterKind.WATER for m in d.meter_ids])
    gas = np.array([kinds[m] == MeterKind.GAS for m in d.meter_ids])
    w = d.values[water]
    assert np.all(w >= 0) and np.all(d.values[gas] >= 0)
    per_day = w.sum(axis=1) / DAYS
    assert 0.05 < np.median(per_day) < 0.8  # m³ a flat and day
    assert len(d.leaks) == 20  # a quarter of 80
    row = {m: i for i, m in enumerate(d.meter_ids)}
    night = (np.arange(DAYS * 24) % 24 >= 1) & (np.arange(DAYS * 24) % 24 < 5)
    leaking = set(d.leaks["meter_id"])
    for _, leak in d.leaks.iterrows():
        v = d.values[row[leak["meter_id"]]]
        after = (np.arange(DAYS * 24) // 24 >= leak["start_day"]) & night
        assert np.all(v[after] >= leak["m3_per_h"] - 1e-12)
    quiet = [m for m in d.meter_ids if kinds[m] == MeterKind.WATER and m not in leaking]
    zero_nights = np.mean([np.mean(d.values[row[m]][night] == 0) for m in quiet])
    assert zero_nights > 0.7  # a flat without a leak uses no water most night hours


def test_rural_site_runs():
    site = make_rural_street(RuralConfig(), seed=7)
    d = make_data(site, SynthConfig(days=7), seed=1)
    gas = [i for i, m in enumerate(site.meters) if m.kind == MeterKind.GAS]
    assert gas and np.nanmean(d.values[gas].sum(axis=1) / 7) > 1.0  # houses heat with gas


def test_anomalies_change_only_their_meter_from_their_day(site, clean, dirty, anomalies):
    row = {m: i for i, m in enumerate(clean.meter_ids)}
    hit = {a.meter_id for a in anomalies}
    for m, i in row.items():
        if m not in hit:
            assert np.array_equal(clean.values[i], dirty.values[i], equal_nan=True), m
    for g in site.groups:  # group meters keep registering the truth
        assert np.array_equal(clean.row(g.group_meter_id), dirty.row(g.group_meter_id))
    assert np.array_equal(clean.true_kwh, dirty.true_kwh)
    crow = {m: i for i, m in enumerate(clean.consumer_meter_ids)}
    for a in anomalies:
        i, k = row[a.meter_id], crow[a.meter_id]
        before = slice(0, a.start_day * 24)
        assert np.array_equal(clean.values[i][before], dirty.values[i][before], equal_nan=True)
        expected = apply(clean.true_kwh[k] * (1 + clean.meter_error[k]), clean.true_kwh[k], a)
        ok = ~np.isnan(dirty.values[i])
        assert np.allclose(dirty.values[i][ok], expected[ok], rtol=1e-12)
        after = slice(a.start_day * 24 + 1, None)
        assert np.nansum(np.abs(dirty.values[i][after] - clean.values[i][after])) > 0
        if a.pattern == "reverse":
            assert np.nanmin(dirty.values[i]) < 0


def test_bad_inputs(site):
    with pytest.raises(InputError):
        make_data(site, SynthConfig(days=3), seed=1, anomalies=[Anomaly("GM-B01", "stopped", 1, 1.0)])
    with pytest.raises(InputError):
        make_data(site, SynthConfig(days=3), seed=1, anomalies=[Anomaly("M-B01-E1-F01-01-W", "stopped", 1, 1.0)])
    with pytest.raises(InputError):
        make_data(site, SynthConfig(days=0), seed=1)
    with pytest.raises(InputError):
        make_data(site, SynthConfig(days=3, start="2026-01-05T00:30:00+02:00"), seed=1)
    with pytest.raises(InputError):
        make_data(site, SynthConfig(days=3, shapes_per_consumer=0), seed=1)


def test_speed_1000_consumers_30_days():
    site = make_district(DistrictConfig(buildings=7, streets=2, entrances=4, floors=9, sn_kva=1000), seed=1)
    hourly_shapes()  # read the 100 shape files once
    ids = [m.meter_id for m in site.meters if m.consumer_id and m.kind == MeterKind.ELECTRICITY]
    assert len(ids) == 1008
    d = make_data(site, SynthConfig(days=30), seed=1, anomalies=draw_anomalies(ids, 30, 0.05, seed=1,
                                                                                  min_start_day=7, min_days_after=7))
    assert d.values.shape == (len(site.meters), 720)


def test_realism_heating_lookalikes_and_dst(site):
    """Heating falls into spring; look-alikes move the group meter too; the spring change drops an hour."""
    cfg = SynthConfig(days=40, start="2026-03-10T00:00:00", timezone="Europe/Bucharest", heating_share=1.0,
                      lookalike_share=0.2)
    d = make_data(site, cfg, seed=3)
    assert d.values.shape[1] == 40 * 24 - 1  # 2026-03-29 has 23 hours
    assert str(d.start.tz) == "Europe/Bucharest" and d.start.hour == 0
    daily = d.true_kwh.sum(axis=0)
    assert daily[: 7 * 24].sum() > daily[-7 * 24:].sum()  # warmer weeks, less heating
    assert d.lookalikes and {la.kind for la in d.lookalikes} <= {"vacation", "new_tenant", "night_heavy",
                                                                 "balcony_solar"}
    clean = make_data(site, SynthConfig(**{**cfg.__dict__, "lookalike_share": 0.0}), seed=3)
    changed = {la.meter_id for la in d.lookalikes}
    row = {m: i for i, m in enumerate(d.meter_ids)}
    top = [g.group_meter_id for g in site.groups if g.parent_id is None][0]
    assert not np.allclose(d.values[row[top]], clean.values[row[top]])  # the group meter sees a look-alike
    same = [m for m in d.consumer_meter_ids if m not in changed]
    assert all(np.array_equal(d.values[row[m]], clean.values[row[m]], equal_nan=True) for m in same[:50])
