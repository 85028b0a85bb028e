"""SimBench LV grids as sites, validated against pandapower's own power flow."""

from __future__ import annotations

import copy

import numpy as np
import pandapower as pp
import pytest

pytest.importorskip("simbench")

from grid_model.engine import GridEngine  # noqa: E402
from grid_model.network import Connection, build_net  # noqa: E402
from grid_model.simbench_loads import parse_ref, simbench_loads  # noqa: E402
from scenarios.errors import InputError  # noqa: E402
from scenarios.site_io import validate_site  # noqa: E402
from scenarios.sources.simbench_site import lv_codes, make_simbench_site, simbench_net, site_from_net  # noqa: E402

CODE = "1-LV-rural1--0-sw"
#: Snapshots (15-minute steps of 2016): a summer noon, a winter evening, an autumn night.
SNAPSHOTS = [96 * 170 + 48, 96 * 20 + 72, 96 * 300 + 12]


@pytest.fixture(scope="module")
def sb():
    net = simbench_net(CODE)
    return net, site_from_net(net, CODE, CODE)


def test_every_lv_code_is_listed():
    codes = lv_codes()
    assert len(codes) == 36
    grids = {c.split("-")[2] for c in codes}
    assert grids == {"rural1", "rural2", "rural3", "semiurb4", "semiurb5", "urban6"}


def test_site_holds_every_load_and_pv_of_the_grid(sb):
    net, site = sb
    validate_site(site)
    assert len(site.network.lines) == len(site.network.buses) - 1  # radial
    assert {c.consumer_id for c in site.consumers} >= set(net.load.name)
    pv = sum(len(parse_ref(c.profile, c.consumer_id).sgens) for c in site.consumers)
    assert pv == len(net.sgen)
    lon, lat = site.origin_lonlat
    assert 5 < lon < 16 and 47 < lat < 56  # Germany


def test_unknown_code_is_one_clear_line():
    with pytest.raises(InputError, match="site.code: '1-LV-nowhere--0-sw' is not a SimBench LV code"):
        make_simbench_site("1-LV-nowhere--0-sw")


def _pandapower_snapshot(base, k: int) -> dict[str, float]:
    """pandapower's own balanced Newton-Raphson on the SimBench net at profile step ``k``."""
    net = copy.deepcopy(base)
    load, ren = net.profiles["load"], net.profiles["renewables"]
    net.load["p_mw"] = net.load.p_mw * load.loc[k, [f"{x}_pload" for x in net.load.profile]].to_numpy()
    net.load["q_mvar"] = net.load.q_mvar * load.loc[k, [f"{x}_qload" for x in net.load.profile]].to_numpy()
    net.sgen["p_mw"] = net.sgen.p_mw * ren.loc[k, list(net.sgen.profile)].to_numpy()
    pp.runpp(net, tolerance_mva=1e-10, numba=False)
    return {net.bus.at[i, "name"]: float(net.res_bus.at[i, "vm_pu"]) for i in net.bus.index}


def test_voltages_match_pandapower_power_flow_at_snapshots(sb):
    net, site = sb
    loads = simbench_loads(site, net.profiles, 1, 366 * 1440, step_minutes=15)
    assert loads.p_kw.shape[1] == 366 * 96
    conns = [Connection(c.consumer_id, c.bus, c.phase) for c in site.consumers]
    engine = GridEngine.from_net(build_net(site.network, conns), load_model="constant_power")
    ours = engine.solve_day(loads.p_kw[:, SNAPSHOTS], loads.q_kvar[:, SNAPSHOTS], step_minutes=15)
    row = {b: i for i, b in enumerate(ours.bus_names)}
    worst = 0.0
    for j, k in enumerate(SNAPSHOTS):
        ref = _pandapower_snapshot(net, k)
        lv = [b for b in row if b in ref and b.startswith("LV")]
        assert len(lv) == len(site.network.buses)
        for b in lv:
            worst = max(worst, float(np.max(np.abs(ours.v_bus_pu[row[b], :, j] - ref[b]))))
    assert worst <= 1e-4  # measured 2.8e-5 pu (the transformer's magnetising current i0, left out)


def test_profiles_one_minute_hold_keeps_energy(sb):
    net, site = sb
    a = simbench_loads(site, net.profiles, 40, 1440, step_minutes=15)
    b = simbench_loads(site, net.profiles, 40, 1440, step_minutes=1)
    assert b.p_kw.shape[1] == 1440 and a.p_kw.shape[1] == 96
    np.testing.assert_allclose(b.p_kw.sum(axis=1) / 60, a.p_kw.sum(axis=1) / 4)
    with pytest.raises(InputError, match="loads.minutes"):
        simbench_loads(site, net.profiles, 1, 100)


@pytest.mark.slow
@pytest.mark.parametrize("code", lv_codes())
def test_every_lv_code_builds_a_valid_site(code):
    """All 36 LV codes (about 3 s each): a valid radial site, every SimBench load a consumer."""
    net = simbench_net(code)
    site = make_simbench_site(code)
    validate_site(site)
    assert {c.consumer_id for c in site.consumers} >= set(net.load.name)
    assert site.origin_lonlat is not None
