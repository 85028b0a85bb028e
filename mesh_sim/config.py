"""Typed settings of one DMesh subnet simulation.

One :class:`MeshConfig` and a seed fully determine a run (no global state), so
a city is many subnets run in parallel. The Hydra group ``conf/mesh/`` extends
this schema; ``docs/mesh-model.md`` gives each default and its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

#: Hop limit of the DMesh protocol (DOMAIN.md).
MAX_HOPS_LIMIT = 30
#: Modules one J100UC serves (DOMAIN.md).
MODULES_PER_CONCENTRATOR_MAX = 240
#: Meters one J100UC serves (DOMAIN.md).
METERS_PER_CONCENTRATOR_MAX = 720
#: Kinds of injected fault (``FaultConfig.kind``).
FAULT_KINDS = ("node_down", "fade")
#: Medium-access schemes (``MacConfig.scheme``; docs/mesh-model.md).
MAC_SCHEMES = ("sync", "wisemac", "xmac")


@dataclass
class RadioConfig:
    """Physical layer.

    Attributes:
        band: ``315``, ``433``, ``868``, ``915`` or ``2400`` (mesh_sim.bands).
        tx_power_dbm: Conducted transmit power; the band default when null.
        antenna_gain_dbi: Antenna gain of every node (TX and RX).
        environment: ITU-R P.1238 category: residential, office, commercial;
            null (default) unless the P.1238 model is wanted: setting it with
            ``building_type: site`` selects that model (as ``building_type: p1238``).
        indoor_model: ``p1238`` or ``multiwall`` (COST-231) of the P.1238 model;
            ``multiwall`` with ``building_type: site`` selects that model too.
        building_type: ``site`` (each building's own preset from the site, the
            defaults below where it gives none), a preset name
            (``panel_concrete``, ``brick``, ``timber_house``) forced on every
            building, or ``p1238`` (the ITU-R P.1238 ``environment`` model).
        block_type_default: Preset of a BUILDING group that names none.
        house_type_default: Preset of a detached house that names none.
        case: ``optimistic``, ``nominal`` or ``harsh`` figures of the presets.
        shadow_decorrelation_m: Decorrelation distance of the spatially
            correlated shadowing (Gudmundson); 0 draws links independently.
        shadowing: Add static log-normal shadowing per link.
        fade_sigma_db: Standard deviation of the slow time-varying part of the
            shadowing, re-drawn every ``fade_period_h`` (0 disables fading).
        fade_period_h: How often the time-varying part is re-drawn.
        data_bytes: Data packet length after the sync word (header, up to
            three readings, CRC).
        ack_bytes: ACK length after the sync word.
        sync_bytes: Preamble and sync word bytes every packet carries.
        capture: A packet survives an overlap if its SINR is high enough; off
            means any overlap destroys every packet involved.
        capture_threshold_db: SINR needed to capture the receiver.
        cca_threshold_dbm: Received power above which the channel is busy.
        turnaround_s: RX/TX switch time before an ACK.
    """

    band: str = "433"
    tx_power_dbm: Optional[float] = None
    antenna_gain_dbi: float = 0.0
    environment: Optional[str] = None
    indoor_model: str = "p1238"
    building_type: str = "site"
    block_type_default: str = "panel_concrete"
    house_type_default: str = "brick"
    case: str = "nominal"
    shadow_decorrelation_m: float = 10.0
    shadowing: bool = True
    fade_sigma_db: float = 2.0
    fade_period_h: float = 24.0
    data_bytes: int = 32
    ack_bytes: int = 10
    sync_bytes: int = 8
    capture: bool = True
    capture_threshold_db: float = 6.0
    cca_threshold_dbm: float = -100.0
    turnaround_s: float = 0.0005


@dataclass
class MacConfig:
    """Duty-cycled medium access.

    Attributes:
        scheme: ``sync`` (synchronised wake-up schedule from the time carried
            in ACKs, slotted broadcast wave), ``wisemac`` (low-power listening
            with learned wake-ups and destination-tagged wake-up frames) or
            ``xmac`` (strobed short preambles with early ACK); see
            :mod:`mesh_sim.mac` and :mod:`mesh_sim.mac_schemes`.
        protocol: ``csma`` (carrier sense with random backoff) or ``aloha``.
        wake_interval_s: Period at which a module samples the channel.
        listen_sample_s: Length of one channel sample (radio on, RX).
        clock_drift_ppm: Worst-case crystal drift; the preamble covers
            ``4 * drift * time since last contact`` plus ``guard_s``.
        guard_s: Fixed extra preamble around a learned wake-up.
        backoff_slot_s: CSMA backoff slot.
        backoff_exponent_min: First contention window is ``2**min`` slots.
        backoff_exponent_max: Largest contention window.
        max_backoffs: Busy channel assessments before the attempt is given up.
        ack: Unicast packets are acknowledged.
        max_retries: Retransmissions to one parent before re-routing.
        hold_s: Wait before trying again when no route exists (outage).
        queue_capacity_packets: Store-and-forward queue of each module.
        sync_drift_ppm: ``sync``: residual drift of a module's clock after it
            has measured and compensated its crystal's offset from successive
            time stamps; the guard around a scheduled wake-up is
            ``2 * sync_drift * (age_sender + age_receiver) + sync_guard_s``.
        sync_guard_s: ``sync``: fixed part of that guard.
        broadcast_slot_s: ``sync``: width of one depth slot of the broadcast
            wave (a module at depth h listens for floods in slot h of every
            wake interval; a relay forwards in its children's slot).
        broadcast_cycles: ``sync``: wake intervals in a row in which a relay
            forwards a flood (a later cycle repairs a missed reception).
    """

    scheme: str = "sync"
    protocol: str = "csma"
    wake_interval_s: float = 30.0
    listen_sample_s: float = 0.0004
    clock_drift_ppm: float = 40.0
    guard_s: float = 0.003
    backoff_slot_s: float = 0.004
    backoff_exponent_min: int = 3
    backoff_exponent_max: int = 6
    max_backoffs: int = 5
    ack: bool = True
    max_retries: int = 3
    hold_s: float = 600.0
    queue_capacity_packets: int = 256
    sync_drift_ppm: float = 1.0
    sync_guard_s: float = 0.001
    broadcast_slot_s: float = 0.25
    broadcast_cycles: int = 2


@dataclass
class TrafficConfig:
    """What the modules and the concentrator send.

    Attributes:
        report_interval_s: Each module reports its meters this often.
        broadcasts_per_day: Group broadcast (ripple-control) commands a day.
        broadcast_jitter_s: Random wait before re-broadcasting a flood.
        broadcast_counter: A node that hears a flood this many times while
            waiting does not re-broadcast (counter-based suppression).
        downlink_per_day: Unicast commands from the concentrator a day.
        poisson: Reports arrive as a Poisson process (mean
            ``report_interval_s``) instead of on the hour.
    """

    report_interval_s: float = 3600.0
    broadcasts_per_day: float = 2.0
    broadcast_jitter_s: float = 1.0
    broadcast_counter: int = 3
    downlink_per_day: float = 4.0
    poisson: bool = False


@dataclass
class TopologyConfig:
    """Mesh formation rules.

    Attributes:
        max_hops: Longest route allowed, at most 30.
        modules_per_concentrator_max: Modules one J100UC accepts.
        meters_per_concentrator_max: Meters one J100UC accepts.
        min_link_prr: Links with a lower packet reception ratio (either way)
            are not neighbours.
        refresh_h: Routes are re-evaluated from current link quality this often.
        fade_margin_db: A link is a neighbour only if its static received
            power (mean path loss with its shadowing, without the slow fade) is
            at least this far above the sensitivity, both ways; null disables.
        mean_margin_min_db: ... and only if the mean path loss alone (no
            shadowing) leaves at least this margin, both ways, so that no route
            rests on a lucky shadowing draw; null disables.
        etx_resolution: Link ETX is rounded up to a multiple of this, so that
            routes do not flap between equally good links as the slow fade
            changes their PRR in the fifth decimal (0: exact ETX).
    """

    max_hops: int = MAX_HOPS_LIMIT
    modules_per_concentrator_max: int = MODULES_PER_CONCENTRATOR_MAX
    meters_per_concentrator_max: int = METERS_PER_CONCENTRATOR_MAX
    min_link_prr: float = 0.5
    refresh_h: float = 6.0
    fade_margin_db: Optional[float] = 6.0
    mean_margin_min_db: Optional[float] = 0.0
    etx_resolution: float = 0.05


@dataclass
class CurrentsConfig:
    """Supply currents per state (TI CC1101 figures quoted in DOMAIN.md, low-power MCU).

    Attributes:
        tx_ma_at_10dbm: TX current at +10 dBm.
        tx_ma_at_0dbm: TX current at 0 dBm (log-linear in between/beyond).
        rx_ma: RX current (listening, receiving).
        radio_sleep_ua: Radio sleep current.
        mcu_active_ma: MCU active current.
        mcu_sleep_ua: MCU sleep current including pulse counting.
        mcu_active_per_packet_s: MCU active time per packet handled.
        wakeup_overhead_s: Crystal start-up and calibration before each sample.
    """

    tx_ma_at_10dbm: float = 32.8
    tx_ma_at_0dbm: float = 16.8
    rx_ma: float = 15.7
    radio_sleep_ua: float = 0.5
    mcu_active_ma: float = 2.0
    mcu_sleep_ua: float = 1.5
    mcu_active_per_packet_s: float = 0.005
    wakeup_overhead_s: float = 0.00015


@dataclass
class BatteryConfig:
    """The module's lithium-thionyl-chloride cell (ER18505, A size).

    Attributes:
        capacity_mah: Nominal capacity.
        voltage_v: Nominal voltage.
        self_discharge_pct_per_year: Capacity lost a year at rest.
        usable_fraction: Share of the nominal capacity usable in service
            (temperature, passivation, cut-off voltage derating).
    """

    capacity_mah: float = 4000.0
    voltage_v: float = 3.6
    self_discharge_pct_per_year: float = 1.0
    usable_fraction: float = 0.85


@dataclass
class EnergyConfig:
    """Currents and battery."""

    currents: CurrentsConfig = field(default_factory=CurrentsConfig)
    battery: BatteryConfig = field(default_factory=BatteryConfig)


@dataclass
class InterferenceConfig:
    """Traffic of neighbouring subnets, seen as foreign transmissions.

    Attributes:
        rate_per_s: Mean foreign transmissions a second (Poisson).
        power_dbm: Their received power at every node.
        duration_s: Their length on air.
    """

    rate_per_s: float = 0.0
    power_dbm: float = -95.0
    duration_s: float = 0.01


@dataclass
class FaultConfig:
    """One injected fault.

    Attributes:
        kind: ``node_down`` (a module or a concentrator stops) or ``fade``
            (all links of the node lose ``loss_db``).
        node_id: The module or concentrator id.
        at_h: Start, hours from the start of the run.
        duration_h: How long it lasts; null means to the end.
        loss_db: Extra loss of a ``fade``.
    """

    kind: str = "node_down"
    node_id: str = ""
    at_h: float = 0.0
    duration_h: Optional[float] = None
    loss_db: float = 20.0


@dataclass
class MeshConfig:
    """One subnet simulation.

    Attributes:
        days: Simulated days of traffic.
        drain_h: Extra time after the last report for late readings to arrive.
        radio: Physical layer.
        mac: Medium access.
        traffic: Reports, broadcasts, commands.
        topology: Mesh formation.
        energy: Currents and battery.
        interference: Neighbouring subnets.
        faults: Injected faults.
    """

    days: float = 1.0
    drain_h: float = 2.0
    radio: RadioConfig = field(default_factory=RadioConfig)
    mac: MacConfig = field(default_factory=MacConfig)
    traffic: TrafficConfig = field(default_factory=TrafficConfig)
    topology: TopologyConfig = field(default_factory=TopologyConfig)
    energy: EnergyConfig = field(default_factory=EnergyConfig)
    interference: InterferenceConfig = field(default_factory=InterferenceConfig)
    faults: list[FaultConfig] = field(default_factory=list)
