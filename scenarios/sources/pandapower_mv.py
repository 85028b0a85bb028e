"""The MV side of a pandapower LV feeder: its ``ext_grid`` and ``trafo`` as source and transformer.

See :mod:`scenarios.sources.pandapower_net` for the whole mapping.
"""

from __future__ import annotations

import math

import pandas as pd

from scenarios.errors import InputError
from scenarios.site import Source, Transformer

#: Short-circuit power taken for an ``ext_grid`` without one, MVA (a stiff source).
STIFF_SOURCE_MVA = 1.0e5


def in_service(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of an element table that are in service (all rows without the column)."""
    if "in_service" in df.columns:
        return df[df["in_service"].fillna(True).astype(bool)]
    return df


def finite(value) -> bool:
    """Whether ``value`` is a finite number (NaN, None and text are not)."""
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def one_in_service(net, table: str, what: str, where: str) -> pd.Series:
    """The single in-service row of ``table``; InputError naming ``where`` otherwise."""
    rows = in_service(net[table])
    if len(rows) != 1:
        raise InputError(f"{where}: needs exactly one {what} in service ({table}), found {len(rows)}")
    return rows.iloc[0]


def read_source(net, eg: pd.Series, trafo: pd.Series, where: str) -> tuple[Source, set[int], list[int]]:
    """The MV source, the MV buses and the source-impedance lines used."""
    hv = int(trafo["hv_bus"])
    eg_bus = int(eg["bus"])
    vn_hv = float(trafo["vn_hv_kv"])
    vm = float(eg["vm_pu"]) * float(net.bus.at[eg_bus, "vn_kv"]) / vn_hv
    lines = in_service(net.line)
    if eg_bus == hv:
        s_sc = float(eg["s_sc_max_mva"]) if "s_sc_max_mva" in eg and finite(eg["s_sc_max_mva"]) else STIFF_SOURCE_MVA
        rx = float(eg["rx_max"]) if "rx_max" in eg and finite(eg["rx_max"]) and eg["rx_max"] > 0 else 0.1
        isc3 = s_sc * 1e3 / (math.sqrt(3.0) * vn_hv)
        return Source(vn_kv=vn_hv, vm_pu=vm, isc3_a=isc3, isc1_a=isc3, x1r1=1.0 / rx, x0r0=1.0 / rx), {hv}, []
    link = lines[((lines.from_bus == eg_bus) & (lines.to_bus == hv)) | ((lines.from_bus == hv) & (lines.to_bus == eg_bus))]
    if len(link) != 1:
        raise InputError(f"{where}: the ext_grid (bus {eg_bus}) must sit on the transformer's HV bus {hv} "
                         f"or behind one source-impedance line; MV networks are not supported")
    ln = link.iloc[0]
    km = float(ln["length_km"]) / float(ln.get("parallel", 1) or 1)
    r1, x1 = float(ln["r_ohm_per_km"]) * km, float(ln["x_ohm_per_km"]) * km
    r0 = float(ln["r0_ohm_per_km"]) * km if "r0_ohm_per_km" in ln and finite(ln["r0_ohm_per_km"]) else r1
    x0 = float(ln["x0_ohm_per_km"]) * km if "x0_ohm_per_km" in ln and finite(ln["x0_ohm_per_km"]) else x1
    v_ln = vn_hv * 1e3 / math.sqrt(3.0)
    z1, zs = complex(r1, x1), complex(2 * r1 + r0, 2 * x1 + x0)
    if abs(z1) == 0 or r1 <= 0 or r0 <= 0:
        raise InputError(f"{where}: source-impedance line '{ln['name']}' needs positive resistances")
    source = Source(vn_kv=vn_hv, vm_pu=vm, isc3_a=v_ln / abs(z1), isc1_a=3 * v_ln / abs(zs),
                    x1r1=x1 / r1, x0r0=x0 / r0)
    return source, {hv, eg_bus}, [int(link.index[0])]


def read_transformer(trafo: pd.Series, lv_name: str, name: str) -> tuple[Transformer, float, str | None]:
    """The transformer, the voltage factor of its tap, and a note on what was not kept.

    ``Dyn*`` and ``YNyn*``/``Yyn*`` keep their group (``Yyn`` with its ``vk0_percent``
    as ``z0_percent``), another group is modelled as ``Dyn`` and noted; ``pfe_kw``
    becomes the no-load loss; ``i0_percent`` (magnetising current) is left out.
    """
    vk, vkr = float(trafo["vk_percent"]), float(trafo["vkr_percent"])
    group = str(trafo.get("vector_group") or "")
    kind, z0, note = "Dyn", 0.0, None
    if group.lower().startswith(("yyn", "ynyn")):
        kind = "Yyn"
        z0 = float(trafo["vk0_percent"]) if "vk0_percent" in trafo and finite(trafo["vk0_percent"]) else 0.0
    elif group and not group.lower().startswith("dyn"):
        note = f"transformer vector group {group} (modelled as Dyn)"
    pfe_kw = float(trafo["pfe_kw"]) if "pfe_kw" in trafo and finite(trafo["pfe_kw"]) else 0.0
    tap = 1.0
    if finite(trafo.get("tap_pos")) and finite(trafo.get("tap_neutral")) and finite(trafo.get("tap_step_percent")):
        ratio = 1.0 + (float(trafo["tap_pos"]) - float(trafo["tap_neutral"])) * float(trafo["tap_step_percent"]) / 100
        tap = 1.0 / ratio if str(trafo.get("tap_side", "hv")).lower() == "hv" else ratio
    tr = Transformer(name=name, lv_bus=lv_name, sn_kva=float(trafo["sn_mva"]) * 1e3,
                     vn_hv_kv=float(trafo["vn_hv_kv"]), vn_lv_kv=float(trafo["vn_lv_kv"]),
                     x_percent=math.sqrt(max(vk * vk - vkr * vkr, 0.0)), r_percent=vkr, vector_group=kind,
                     no_load_loss_w=pfe_kw * 1e3, z0_percent=z0)
    return tr, tap, note
