"""Schemas of the ``task`` config group of the ``balance-twin`` Hydra app.

:class:`TaskConfig` holds the fields every task shares; each ``task=<name>``
option has its own subclass with the task's options. They are registered in
Hydra's ConfigStore as ``task/<name>_schema`` by
:func:`twin.config.register_schemas`, which also re-exports them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TaskConfig:
    """Common fields of every task.

    Attributes:
        name: Task name; also the folder under the run directory it writes to.
    """

    name: str = "simulate"


@dataclass
class SimulateTaskConfig(TaskConfig):
    """``task=simulate``: households → grid → key figures → report.

    Attributes:
        report: Write ``report.html`` with the plots.
    """

    name: str = "simulate"
    report: bool = True


@dataclass
class GridTaskConfig(TaskConfig):
    """``task=grid``: solve one day of the network with the configured loads."""

    name: str = "grid"


@dataclass
class MeshTaskConfig(TaskConfig):
    """``task=mesh``: the DMesh radio network of the site, simulated packet by packet.

    Attributes:
        plots: Write the topology, battery-life and latency plots.
        workers: Processes for a site with several subnets (0: one per core).
    """

    name: str = "mesh"
    plots: bool = True
    workers: int = 0


@dataclass
class ValidateTaskConfig(TaskConfig):
    """``task=validate``: model checks against closed forms and vendor claims.

    Attributes:
        subnet_days: Simulated days of the full-subnet checks.
        aloha_packets: Packets per offered-load point of the ALOHA check.
    """

    name: str = "validate"
    subnet_days: float = 3.0
    aloha_packets: int = 20_000


@dataclass
class DRTaskConfig(TaskConfig):
    """``task=dr``: DR and DLM strategies side by side (settings in the ``dr`` group)."""

    name: str = "dr"


@dataclass
class AnalyticsTaskConfig(TaskConfig):
    """``task=analytics``: balance analytics on meter data (settings in the ``analytics`` group;
    the data directory is the root key ``data_dir``)."""

    name: str = "analytics"


@dataclass
class RoiTaskConfig(TaskConfig):
    """``task=roi``: return on investment (settings in the ``roi`` group).

    Attributes:
        plan_dir: A ``plan/`` folder of an earlier run: its bill of materials
            and module count replace the typed-in equipment costs.
        analytics_dir: An ``analytics/`` folder: the measured imbalance and the
            suspects' hidden energy replace the typed-in losses and theft.
        dr_dir: A ``dr/`` folder: the transformer upgrade counts as avoided
            only if combined DR + DLM kept the transformer within rating.
    """

    name: str = "roi"
    plan_dir: str = ""
    analytics_dir: str = ""
    dr_dir: str = ""


@dataclass
class PlanTaskConfig(TaskConfig):
    """``task=plan``: deployment plan and bill of materials (settings in the ``plan`` group)."""

    name: str = "plan"


@dataclass
class HilTaskConfig(TaskConfig):
    """``task=hil``: the bundled HIL suite (the root keys ``target``, ``port``, ``rig_port`` choose the bench)."""

    name: str = "hil"


@dataclass
class EmulateTaskConfig(TaskConfig):
    """``task=emulate``: the emulator served alone (the root key ``transport`` picks ``pty`` or ``tcp``).

    Attributes:
        baudrate: Pace the line like a UART at this rate (8N1); 0: unpaced.
        clock_speed: Emulated seconds per real second (0 freezes the clock).
        start_unix_s: Device clock at start (default 2024-01-01T00:00:00Z).
        history_h: Hours of hourly profile the modules already hold at start.
        fault_plan: Faults on the wire: a JSON/YAML file with
            the fields of ``hil.emulator.FaultPlan``; empty: none.
        host: TCP host (``transport=tcp``).
        tcp_port: TCP port, 0 any free port (``transport=tcp``).
        duration_s: Serve this long, then stop; 0 serves until Ctrl-C.
    """

    name: str = "emulate"
    baudrate: int = 115200
    clock_speed: float = 1.0
    start_unix_s: int = 1_704_067_200
    history_h: int = 168
    fault_plan: str = ""
    host: str = "127.0.0.1"
    tcp_port: int = 0
    duration_s: float = 0.0
