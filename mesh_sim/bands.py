"""Radio bands and the propagation constants that go with them.

Each :class:`Band` is a typed record of the radio (transmit power, receiver
sensitivity at the data rate, noise figure, channel bandwidth) and of the
propagation coefficients the path-loss model uses in that band: the ITU-R
P.1238 indoor distance power-loss coefficient ``N`` and floor penetration
factor ``Lf(n)`` per environment, and the outdoor log-distance exponent.

Every number carries its source in ``docs/radio-model.md``; values that the
source does not give for a band are marked there as extrapolations.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from types import MappingProxyType
from typing import Mapping


class Environment(str, Enum):
    """ITU-R P.1238 building categories."""

    RESIDENTIAL = "residential"
    OFFICE = "office"
    COMMERCIAL = "commercial"


class WallType(str, Enum):
    """COST-231 multi-wall wall categories."""

    LIGHT = "light"
    HEAVY = "heavy"


#: COST 231 Final Report, section 4.6.3, multi-wall model constants (fitted at
#: 1800 MHz; used unchanged at sub-GHz, which over-states wall loss there).
WALL_LOSS_DB: Mapping[WallType, float] = MappingProxyType(
    {WallType.LIGHT: 3.4, WallType.HEAVY: 6.9}
)
#: COST-231 multi-wall loss per floor, dB (same source).
COST231_FLOOR_LOSS_DB = 18.3
#: COST-231 multi-wall empirical floor exponent parameter ``b``.
COST231_FLOOR_B = 0.46


@dataclass(frozen=True)
class IndoorCoefficients:
    """ITU-R P.1238 site-general coefficients for one band and environment.

    ``Lf(n)`` for ``n >= 1`` floors is ``floor_table_db[n - 1]`` while the
    table has an entry, else ``lf_first_db + lf_per_extra_db * (n - 1)``
    (continued linearly from the last table entry when a table is given).

    Attributes:
        power_loss_coefficient: ``N`` in ``N log10 d``.
        lf_first_db: Floor penetration loss for one floor.
        lf_per_extra_db: Added loss for each further floor.
        floor_table_db: Explicit ``Lf`` for 1, 2, ... floors, if tabulated.
        shadow_sigma_db: Log-normal shadow-fading standard deviation.
        extrapolated: True when the recommendation gives no value for this
            band and environment and the record is borrowed from another row.
    """

    power_loss_coefficient: float
    lf_first_db: float
    lf_per_extra_db: float
    floor_table_db: tuple[float, ...] = ()
    shadow_sigma_db: float = 8.0
    extrapolated: bool = False

    def floor_loss_db(self, floors: "int | object") -> "float | object":
        """Returns ``Lf(n)`` for ``n`` floors (scalar or numpy array of ints)."""
        import numpy as np

        n = np.asarray(floors)
        linear = self.lf_first_db + self.lf_per_extra_db * (n - 1)
        if self.floor_table_db:
            table = np.asarray((0.0,) + self.floor_table_db)
            k = len(self.floor_table_db)
            last = table[k] + self.lf_per_extra_db * (n - k)
            linear = np.where(n <= k, table[np.clip(n, 0, k)], last)
        out = np.where(n <= 0, 0.0, linear)
        return float(out) if out.ndim == 0 else out


@dataclass(frozen=True)
class Band:
    """One radio band with its radio and propagation parameters.

    Attributes:
        name: Short name, e.g. ``"433"``.
        frequency_mhz: Carrier frequency.
        tx_power_dbm: Default conducted transmit power.
        sensitivity_dbm: Receiver sensitivity at ``bit_rate_bps`` (datasheet
            condition: 1 % packet error rate, ``sensitivity_packet_bytes``).
        bit_rate_bps: Air data rate.
        bandwidth_hz: Receiver channel filter bandwidth (noise bandwidth).
        noise_figure_db: Receiver noise figure.
        outdoor_exponent: Log-distance exponent between buildings.
        outdoor_shadow_sigma_db: Shadowing standard deviation outdoors.
        indoor: P.1238 coefficients per environment.
        sensitivity_packet_bytes: Packet length of the sensitivity condition.
    """

    name: str
    frequency_mhz: float
    tx_power_dbm: float
    sensitivity_dbm: float
    bit_rate_bps: float
    bandwidth_hz: float
    noise_figure_db: float
    outdoor_exponent: float
    outdoor_shadow_sigma_db: float
    indoor: Mapping[Environment, IndoorCoefficients]
    sensitivity_packet_bytes: int = 20


# P.1238 Table 2/3, 900 MHz row: office N = 33, Lf = 9/19/24 dB for 1/2/3
# floors; commercial N = 20 (no Lf given). Residential has no 900 MHz value.
_SUB_GHZ_INDOOR = MappingProxyType(
    {
        Environment.RESIDENTIAL: IndoorCoefficients(28.0, 4.0, 4.0, (), 8.0, True),
        Environment.OFFICE: IndoorCoefficients(33.0, 9.0, 5.0, (9.0, 19.0, 24.0), 10.0),
        Environment.COMMERCIAL: IndoorCoefficients(20.0, 6.0, 3.0, (), 10.0),
    }
)
# 315/433 MHz lie below the lowest P.1238 row: the 900 MHz row is borrowed.
_BELOW_900_INDOOR = MappingProxyType(
    {env: IndoorCoefficients(c.power_loss_coefficient, c.lf_first_db, c.lf_per_extra_db,
                             c.floor_table_db, c.shadow_sigma_db, True)
     for env, c in _SUB_GHZ_INDOOR.items()}
)
# 1.8-2 GHz row (the values ns-3 implements), used at 2.4 GHz.
_2G4_INDOOR = MappingProxyType(
    {
        Environment.RESIDENTIAL: IndoorCoefficients(28.0, 4.0, 4.0, (), 8.0),
        Environment.OFFICE: IndoorCoefficients(30.0, 15.0, 4.0, (), 10.0),
        Environment.COMMERCIAL: IndoorCoefficients(22.0, 6.0, 3.0, (), 10.0, True),
    }
)

_SUB_GHZ_RADIO = dict(tx_power_dbm=10.0, sensitivity_dbm=-104.0, bit_rate_bps=38_400.0,
                      bandwidth_hz=100_000.0, noise_figure_db=7.0,
                      outdoor_exponent=3.0, outdoor_shadow_sigma_db=8.0)

#: The five DMesh band variants, by name.
BANDS: Mapping[str, Band] = MappingProxyType(
    {
        "315": Band("315", 315.0, indoor=_BELOW_900_INDOOR, **_SUB_GHZ_RADIO),
        "433": Band("433", 433.92, indoor=_BELOW_900_INDOOR, **_SUB_GHZ_RADIO),
        "868": Band("868", 868.3, indoor=_SUB_GHZ_INDOOR, **_SUB_GHZ_RADIO),
        "915": Band("915", 915.0, indoor=_SUB_GHZ_INDOOR, **_SUB_GHZ_RADIO),
        "2400": Band("2400", 2440.0, tx_power_dbm=0.0, sensitivity_dbm=-101.0,
                     bit_rate_bps=38_400.0, bandwidth_hz=100_000.0, noise_figure_db=9.0,
                     outdoor_exponent=3.0, outdoor_shadow_sigma_db=8.0, indoor=_2G4_INDOOR),
    }
)


def band(name: str | int | float) -> Band:
    """Returns the band called ``name`` (``"433"``, ``433`` or ``433.0``).

    Raises:
        KeyError: With a one-line message naming the unknown band.
    """
    key = str(int(name)) if isinstance(name, (int, float)) else str(name)
    if key not in BANDS:
        raise KeyError(f"unknown band {name!r}; known: {', '.join(BANDS)}")
    return BANDS[key]
