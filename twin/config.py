"""Typed configuration schema of the ``balance-twin`` Hydra app.

Every config group has a dataclass schema registered in Hydra's ConfigStore as
``<group>/<option>_schema``; the YAML files under ``conf/<group>/`` extend it.
Unknown keys and values of the wrong type are therefore rejected by OmegaConf,
and :func:`twin.validation.check_config` adds the range checks. The ``task``
group's schemas live in :mod:`twin.config_tasks` and are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from grid_model.households.config import HouseholdConfig
from grid_model.weather import WeatherConfig
from mesh_sim.config import MeshConfig
from analytics.config import AnalyticsConfig
from analytics.planning.config import PlanConfig
from analytics.roi.config import RoiConfig
from twin.control.config import DRConfig
from twin.control.tariffs import TariffConfig
from twin.config_tasks import (AnalyticsTaskConfig, DRTaskConfig, GridTaskConfig, HilTaskConfig, MeshTaskConfig,
                               PlanTaskConfig, RoiTaskConfig, SimulateTaskConfig, ValidateTaskConfig)
from twin.config_tasks import TaskConfig  # noqa: F401  (re-exported for importers of twin.config)
from scenarios.generators.district import DistrictConfig
from scenarios.generators.rural import RuralConfig
from scenarios.generators.deep import DeepConfig

#: Task names this version knows; later issues add more.
TASK_NAMES = ("simulate", "grid", "mesh", "validate", "dr", "analytics", "roi", "plan", "hil")
#: Load-model names the grid engine accepts.
LOAD_MODELS = ("opendss", "constant_power", "constant_current", "constant_impedance")


@dataclass
class SiteConfig:
    """Common fields of every site option.

    Attributes:
        kind: ``ieee_eu_lv``, ``district``, ``rural``, ``deep`` or ``file``.
    """

    kind: str = "ieee_eu_lv"


@dataclass
class IeeeSiteConfig(SiteConfig):
    """The IEEE European LV test feeder: 55 houses on a real network."""

    kind: str = "ieee_eu_lv"


@dataclass
class DistrictSiteConfig(SiteConfig, DistrictConfig):
    """A generated district of multi-storey blocks (fields of DistrictConfig)."""

    kind: str = "district"


@dataclass
class RuralSiteConfig(SiteConfig, RuralConfig):
    """A generated rural street of detached houses (fields of RuralConfig)."""

    kind: str = "rural"


@dataclass
class DeepSiteConfig(SiteConfig, DeepConfig):
    """A tall block with the J100UC in its basement plus a long street of houses (DeepConfig)."""

    kind: str = "deep"


@dataclass
class FileSiteConfig(SiteConfig):
    """A site saved in the documented site file format (docs/site-format.md).

    Attributes:
        path: Path of the site JSON file.
    """

    kind: str = "file"
    path: str = "site.json"


@dataclass
class LoadsConfig:
    """Common fields of every load option.

    Attributes:
        kind: ``synthetic`` (appliance models), ``ieee_shapes`` (replay each
            consumer's measured IEEE shape) or ``csv`` (replay a per-meter CSV).
        minutes: Length of the simulated period, in 1-minute steps.
    """

    kind: str = "synthetic"
    minutes: int = 1440


@dataclass
class SyntheticLoadsConfig(LoadsConfig):
    """Appliance-level stochastic households driven by a weather series.

    Attributes:
        households: Appliance ownership, ratings and thermostat settings.
        weather: Outdoor temperature and irradiance of the simulated day.
    """

    kind: str = "synthetic"
    households: HouseholdConfig = field(default_factory=HouseholdConfig)
    weather: WeatherConfig = field(default_factory=WeatherConfig)


@dataclass
class IeeeShapesLoadsConfig(LoadsConfig):
    """Replay the IEEE feeder's measured daily shapes (P in kW, pf 0.95)."""

    kind: str = "ieee_shapes"


@dataclass
class CsvLoadsConfig(LoadsConfig):
    """Replay a per-meter CSV of 1-minute kW values (docs/households.md).

    Attributes:
        path: CSV file path.
    """

    kind: str = "csv"
    path: str = "profiles.csv"


@dataclass
class GridConfig:
    """Network and solver settings.

    Attributes:
        network: ``site`` (the site's own network) or ``ieee_eu_lv`` (the
            IEEE feeder, which needs a site whose consumers sit on its buses).
        load_model: How loads respond to voltage, one of LOAD_MODELS.
        vminpu: Lower voltage limit of constant-power behaviour (``opendss``).
        vmaxpu: Upper voltage limit of constant-power behaviour (``opendss``).
        load_kv: Rated phase voltage of the loads, kV (``opendss`` model).
        tolerance_pu: Convergence tolerance on voltage, pu.
        max_iterations: Iteration limit of the fixed-point solver.
    """

    network: str = "site"
    load_model: str = "constant_power"
    vminpu: float = 0.95
    vmaxpu: float = 1.05
    load_kv: float = 0.23
    tolerance_pu: float = 1e-9
    max_iterations: int = 100


@dataclass
class TrackingConfig:
    """Where runs are tracked.

    Attributes:
        enabled: Log to MLflow at all.
        uri: Tracking URI; ``null`` means a local embedded store
            ``sqlite:///<working dir>/mlflow.db`` with artifacts beside it.
        experiment: MLflow experiment name.
        run_name: MLflow run name; the task name when ``null``.
    """

    enabled: bool = True
    uri: Optional[str] = None
    experiment: str = "balance-twin"
    run_name: Optional[str] = None


@dataclass
class AppConfig:
    """The root config.

    Attributes:
        task: Which job to run and its options.
        site: The deployment site.
        loads: Household loads.
        grid: Network and power-flow settings.
        mesh: DMesh radio network settings.
        dr: Demand response and local demand management.
        tariff: Electricity tariff (bills, tariff zones for DR and DLM).
        analytics: Balance analytics settings.
        roi: Return-on-investment inputs.
        plan: Deployment planner and price list.
        tracking: MLflow tracking.
        data_dir: Meter data in the interchange format (docs/data-format.md)
            for ``task=analytics``; empty: simulated data.
        target: HIL bench of ``task=hil``: ``twin``, ``emulator`` or ``serial``.
        port: J100UC port (device path or pyserial URL) for ``target=serial``.
        rig_port: Test-rig port for ``target=serial``.
        codec: Frame codec on the wire for ``target=serial``, ``package.module:Class``
            (the vendor's codec replaces ours; docs/hil.md).
        seed: Master seed; same seed, same outputs.
    """

    task: Any = MISSING
    site: Any = MISSING
    loads: Any = MISSING
    grid: GridConfig = field(default_factory=GridConfig)
    mesh: Any = MISSING
    dr: Any = MISSING
    tariff: Any = MISSING
    analytics: Any = MISSING
    roi: Any = MISSING
    plan: Any = MISSING
    tracking: TrackingConfig = field(default_factory=TrackingConfig)
    seed: int = 42
    data_dir: str = ""
    target: str = "emulator"
    port: str = ""
    rig_port: str = ""
    codec: str = "hil.codec.v1:CodecV1"


#: (group, option) → schema dataclass.
SCHEMAS: dict[tuple[str, str], type] = {
    ("task", "simulate"): SimulateTaskConfig,
    ("task", "grid"): GridTaskConfig,
    ("task", "mesh"): MeshTaskConfig,
    ("task", "validate"): ValidateTaskConfig,
    ("task", "dr"): DRTaskConfig,
    ("task", "analytics"): AnalyticsTaskConfig,
    ("task", "roi"): RoiTaskConfig,
    ("task", "plan"): PlanTaskConfig,
    ("task", "hil"): HilTaskConfig,
    ("site", "ieee_eu_lv"): IeeeSiteConfig,
    ("site", "district"): DistrictSiteConfig,
    ("site", "rural"): RuralSiteConfig,
    ("site", "deep"): DeepSiteConfig,
    ("site", "file"): FileSiteConfig,
    ("loads", "synthetic"): SyntheticLoadsConfig,
    ("loads", "ieee_shapes"): IeeeShapesLoadsConfig,
    ("loads", "csv"): CsvLoadsConfig,
    ("grid", "default"): GridConfig,
    ("mesh", "default"): MeshConfig,
    ("dr", "default"): DRConfig,
    ("tariff", "default"): TariffConfig,
    ("analytics", "default"): AnalyticsConfig,
    ("roi", "default"): RoiConfig,
    ("plan", "default"): PlanConfig,
    ("tracking", "default"): TrackingConfig,
}


def register_schemas() -> None:
    """Registers the root schema and every group schema in Hydra's ConfigStore."""
    cs = ConfigStore.instance()
    cs.store(name="app_schema", node=AppConfig)
    for (group, option), schema in SCHEMAS.items():
        cs.store(group=group, name=f"{option}_schema", node=schema)
