"""Benchmark of the grid engine against OpenDSS and pandapower in one process.

Run from the repository root::

    python benchmarks/bench_grid.py [--threads 1] [--repeat 5] [--skip-district]

Prints, for the IEEE European LV feeder day (55 loads, 1440 minutes): the
OpenDSS minute-by-minute run, the engine's open-loop day (light and with full
network outputs), the closed-loop step, pandapower runpp_3ph per snapshot, the
speed ratios against OpenDSS, and the accuracy against OpenDSS. Then the time
per day of a generated ~2,000-consumer district.

BLAS/OpenMP threads are fixed before numpy is imported (default 1, the same
single core OpenDSS uses).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def _threads_from_argv(argv: list[str]) -> str:
    for k, arg in enumerate(argv):
        if arg == "--threads" and k + 1 < len(argv):
            return argv[k + 1]
        if arg.startswith("--threads="):
            return arg.split("=", 1)[1]
    return "1"


_THREADS = _threads_from_argv(sys.argv)
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = _THREADS
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from grid_model.engine import GridEngine  # noqa: E402
from grid_model.network import Connection, build_ieee_net, build_net, set_loads  # noqa: E402
from scenarios import ieee_eu_lv  # noqa: E402

TAN_PHI = np.tan(np.arccos(ieee_eu_lv.LOAD_POWER_FACTOR))


def _best(fn, repeat: int) -> tuple[float, float, object]:
    """(first, best) wall time of ``fn()`` over ``repeat`` runs and its last result."""
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times[0], min(times), out


def bench_ieee(repeat: int) -> None:
    from grid_model.engine.opendss_reference import solve_feeder_day

    print("== IEEE European LV feeder, 55 loads, 1440 one-minute steps ==")
    p = np.vstack([ieee_eu_lv.load_shape(ld.shape) for ld in ieee_eu_lv.load_loads()])
    q = p * TAN_PHI
    ref = solve_feeder_day()
    t_dss = ref.solve_seconds
    print(f"OpenDSS day (solve loop, reading 55 voltages + losses per minute): {t_dss:.3f} s")

    net = build_ieee_net()
    t0 = time.perf_counter()
    engine = GridEngine.from_net(net, "opendss", load_kv=0.23)
    print(f"engine compile (Y-bus, LU, Z-bus reduction): {time.perf_counter() - t0:.3f} s")
    first, light, res = _best(lambda: engine.solve_day(p, q, network_outputs=False), repeat)
    print(f"engine day, load/transformer/loss outputs: best {light * 1e3:.1f} ms (first {first * 1e3:.1f} ms), "
          f"{res.iterations} iterations  -> {t_dss / light:.0f}x faster than OpenDSS")
    first_f, full, res_full = _best(lambda: engine.solve_day(p, q), repeat)
    print(f"engine day, plus all 906 bus voltages, VUF, line currents: best {full * 1e3:.1f} ms "
          f"(first {first_f * 1e3:.1f} ms)  -> {t_dss / full:.1f}x faster than OpenDSS")
    dv = np.abs(res.v_load_pu - ref.v_load_pu).max()
    print(f"accuracy vs OpenDSS: max |dV| = {dv:.2e} pu over 55 loads x 1440 min; losses {res.losses_kwh:.4f} kWh "
          f"vs {ref.losses_kwh:.4f} kWh ({100 * (res.losses_kwh / ref.losses_kwh - 1):+.4f} %)")

    stepper = engine.stepper()
    step_times = []
    for m in range(1440):
        t0 = time.perf_counter()
        stepper.step(p[:, m], q[:, m])
        step_times.append(time.perf_counter() - t0)
    st = np.array(step_times) * 1e3
    print(f"closed-loop step: median {np.median(st):.3f} ms, p99 {np.percentile(st, 99):.3f} ms, "
          f"max {st.max():.3f} ms; day {st.sum() / 1e3:.3f} s -> {t_dss / (st.sum() / 1e3):.1f}x faster than OpenDSS")

    import pandapower as pp

    cp = GridEngine.from_net(net, "constant_power")
    minutes = (0, 566, 1200)
    res_cp = cp.solve_day(p[:, list(minutes)], q[:, list(minutes)])
    pp_times, pp_dv = [], 0.0
    for k, m in enumerate(minutes):
        set_loads(net, p[:, m], q[:, m])
        t0 = time.perf_counter()
        pp.runpp_3ph(net)
        pp_times.append(time.perf_counter() - t0)
        v_pp = net.res_bus_3ph.loc[net.bus.index, ["vm_a_pu", "vm_b_pu", "vm_c_pu"]].to_numpy()
        pp_dv = max(pp_dv, float(np.abs(v_pp - res_cp.v_bus_pu[:, :, k]).max()))
    t_pp = float(np.mean(pp_times))
    print(f"pandapower runpp_3ph: {t_pp:.3f} s per snapshot (~{1440 * t_pp:.0f} s per day); constant-power "
          f"engine vs pandapower at minutes {minutes}: max |dV| = {pp_dv:.2e} pu over all buses and phases")


def _district(n_target: int):
    """A ~n_target-consumer district: the colleagues' generator, else a synthetic radial one."""
    try:
        from scenarios.generators.district import DistrictConfig, make_district
    except ImportError:
        make_district = None
    if make_district is not None:
        buildings = max(1, round(n_target / 144))
        site = make_district(
            DistrictConfig(buildings=buildings, streets=2, entrances=4, floors=9, flats_per_floor=4, sn_kva=2500.0,
                           design="legacy"),  # the 0.77 pu solver stress case: one 2.5 MVA unit, long feeders
            seed=1,
        )
        conns = [Connection(c.consumer_id, c.bus, c.phase) for c in site.consumers]
        return f"make_district ({buildings} buildings)", site.network, conns
    return _synthetic_district(n_target)


def _synthetic_district(n_target: int):
    """Radial network: busbar → 10 feeders → 20 poles each → 10 houses per pole on rotating phases."""
    from scenarios.site import Bus, Line, LineCode, Network, Source, Transformer

    codes = {"main": LineCode("main", 0.166, 0.068, 0.58, 0.078), "svc": LineCode("svc", 1.15, 0.088, 1.2, 0.088)}
    buses, lines, conns = [Bus("LV", 0, 0)], [], []
    per_pole = max(1, n_target // 200)
    for f in range(10):
        prev = "LV"
        for k in range(20):
            pole = f"F{f}P{k}"
            buses.append(Bus(pole, 30.0 * (k + 1), 50.0 * f))
            lines.append(Line(f"L{pole}", prev, pole, "main", 30.0))
            prev = pole
            for h in range(per_pole):
                house = f"{pole}H{h}"
                buses.append(Bus(house, 30.0 * (k + 1), 50.0 * f + 5 + h))
                lines.append(Line(f"S{house}", pole, house, "svc", 15.0))
                conns.append(Connection(house, house, "ABC"[(f + k + h) % 3]))
    tr = Transformer("TR1", "LV", 2500.0, 11.0, 0.416, 6.0, 1.0)
    return "synthetic radial (houses on own buses)", Network(Source(), tr, buses, codes, lines), conns


def bench_district(n_target: int) -> None:
    kind, network, conns = _district(n_target)
    print(f"\n== district: {kind}, {len(conns)} consumers, {len(network.buses)} buses, one day ==")
    t0 = time.perf_counter()
    net = build_net(network, conns)
    print(f"pandapower net build: {time.perf_counter() - t0:.2f} s")
    shapes = ieee_eu_lv.all_shapes()
    rng = np.random.default_rng(0)
    p = shapes[rng.integers(0, 100, len(conns))]
    q = p * TAN_PHI
    for dense in (None,):
        t0 = time.perf_counter()
        engine = GridEngine.from_net(net, "opendss", dense=dense)
        t_build = time.perf_counter() - t0
        path = "dense Z-bus" if engine.system.dense else "sparse LU"
        light = engine.solve_day(p, q, network_outputs=False)
        full = engine.solve_day(p, q)
        step = engine.stepper()
        step_times = []
        for m in range(0, 1440, 12):
            t1 = time.perf_counter()
            step.step(p[:, m], q[:, m])
            step_times.append(time.perf_counter() - t1)
        print(f"{path} path ({len(engine.system.load_nodes)} load nodes): compile {t_build:.2f} s; day light "
              f"{light.solve_seconds:.2f} s, full {full.solve_seconds:.2f} s, {light.iterations} iterations; "
              f"closed-loop step median {1e3 * np.median(step_times):.1f} ms; min V {light.v_load_pu.min():.3f} pu, "
              f"peak loading {light.loading_pct.max():.0f} %")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1", help="BLAS/OpenMP threads (set before numpy loads)")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each engine day solve (best is reported)")
    parser.add_argument("--skip-district", action="store_true", help="only the IEEE feeder")
    parser.add_argument("--district-size", type=int, default=2000, help="consumers in the district")
    args = parser.parse_args()
    print(f"threads: {os.environ['OMP_NUM_THREADS']}, numpy {np.__version__}")
    bench_ieee(args.repeat)
    if not args.skip_district:
        bench_district(args.district_size)
        bench_district_synthetic(args.district_size)


def bench_district_synthetic(n_target: int) -> None:
    """Also times the synthetic houses-on-own-buses district (many distinct load nodes)."""
    kind, network, conns = _synthetic_district(n_target)
    print(f"\n== district: {kind}, {len(conns)} consumers, {len(network.buses)} buses, one day ==")
    net = build_net(network, conns)
    shapes = ieee_eu_lv.all_shapes()
    p = shapes[np.random.default_rng(1).integers(0, 100, len(conns))]
    engine = GridEngine.from_net(net, "opendss")
    light = engine.solve_day(p, p * TAN_PHI, network_outputs=False)
    full = engine.solve_day(p, p * TAN_PHI)
    path = "dense Z-bus" if engine.system.dense else "sparse LU"
    print(f"{path} path ({len(engine.system.load_nodes)} load nodes): day light {light.solve_seconds:.2f} s, "
          f"full {full.solve_seconds:.2f} s, {light.iterations} iterations; min V {light.v_load_pu.min():.3f} pu")


if __name__ == "__main__":
    main()
