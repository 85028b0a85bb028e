"""A small hand-checkable LV network shared by the grid-model tests."""

from scenarios.site import Bus, Line, LineCode, Network, Source, Transformer


def small_network() -> Network:
    """Busbar LV0 → L1 → B1 → L2 → B2, and a branch LV0 → L3 → B3."""
    code = LineCode("cable", 0.3, 0.08, 1.2, 0.1, max_i_ka=0.25)
    return Network(
        source=Source(vn_kv=11.0, vm_pu=1.0, isc3_a=3000.0, isc1_a=5.0),
        transformer=Transformer("T1", "LV0", 250.0, 11.0, 0.416, 4.0, 1.0),
        buses=[Bus("LV0", 0, 0), Bus("B1", 50, 0), Bus("B2", 100, 0), Bus("B3", 0, 80)],
        linecodes={"cable": code},
        lines=[Line("L1", "LV0", "B1", "cable", 50.0), Line("L2", "B1", "B2", "cable", 50.0),
               Line("L3", "LV0", "B3", "cable", 80.0)],
    )
