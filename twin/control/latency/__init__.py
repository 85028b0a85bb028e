"""Command latency of demand-response broadcasts, fitted to a mesh_sim run.

A shed/restore command is a group broadcast: the J100UC floods it through the
mesh and every D100FC switches its contactor when the flood first reaches it
(``mesh_sim/control.py``). The closed-loop DR simulation needs, per command and
per home, the delay until the home's module has the command, or "lost".
Running the packet-level simulator for every command would be too slow, so
:func:`fit_latency` turns one mesh_sim run into an empirical model keyed by the
module's hop count, and :meth:`LatencyModel.sample` draws from it.

The model, per hop count ``h`` (routing hops of the module at the end of the
run, ``NodeRecord.hops``):

* ``delivery[h]``: share of (broadcast, module) pairs at hop ``h`` that
  received the broadcast;
* ``samples_s[h]``: the latencies of those receptions (sorted).

A draw for a home at hop ``h`` is lost with probability ``1 - delivery[h]``,
otherwise one of ``samples_s[h]`` picked uniformly (bootstrap).

Floods fail together: in a multi-hop mesh a flood now and then misses a whole
building (in mesh_sim runs of two buildings joined by weak links, the share of
modules a broadcast reaches is about 1.0 or about 0.5). Independent draws per
home would keep the mean delivery but make the share of homes a command
reaches almost constant. So the fit also
keeps each broadcast's delivery per hop (``delivery_by_broadcast``) and, by
default, a command first picks one fitted broadcast and uses its per-hop
delivery for all homes (same marginal delivery, realistic spread of the share
of homes reached). Latencies of received homes are still drawn independently
from the pooled samples of their hop, and which homes miss a command is
random, not tied to a building.

**Hop counts without data** (not in ``delivery``) are extrapolated from the nearest lower hop count ``h0`` with samples
(the smallest one if none is lower): its samples shifted by ``(h - h0) * step``
(clipped at 0), where ``step`` is the per-hop latency increment, the slope of
a least-squares line through the per-hop mean latencies weighted by their
sample counts (clipped at 0; with a single hop count the line goes through the
origin, ``step = mean / h0``, i.e. latency proportional to hops: "a flood
costs one wake interval per hop", docs/mesh-model.md). Delivery is
``delivery[h0] * q ** (h - h0)`` (capped at 1) with ``q`` the per-hop survival that
compounds to the deepest fitted hop's delivery, ``q = delivery[hmax] ** (1 /
hmax)``. A fitted hop count that never received stays always lost. Hop ``-1``
(no route, module down or left out, or no module) is always lost.

Routing hops are not flood hops: a flood is decoded by every module within
``FLOOD_MARGIN_MIN_DB`` of sensitivity, so a module routed over two hops often
hears the J100UC's flood directly. The model is fitted and used with the same
key (routing hops), so this is part of the fitted distribution. Floods that
reach a module without a route are not used.

**Fitting runs** (what the mesh_sim runs behind the tests showed):

* Each module reports once an hour at a fixed minute of its own, and a flood
  that meets a report can reach part of the mesh one wake interval (30 s)
  late or not at all. A broadcast rate that divides the hour (48 a day: every
  30 min) tries only a few minutes of the hour, so the fitted tail depends on
  the run's random start; a rate that does not (47 or 191 a day) sweeps it.
* Flood traffic loads a weak multi-hop mesh: in a two-building test mesh at
  -20 dBm, delivery was 0.97-0.99 at 12 broadcasts a day and 0.85-0.99 at 48
  or 192 a day (4 seeds, 4 days). Fit at about the command rate of the DR run.
* The fit belongs to one mesh: another seed redraws the shadowing, hence the
  routes. On the default (one-hop) district that changes nothing; on a
  multi-hop mesh a held-out seed differed by up to 20 % in mean latency and
  0.06 in delivery. Losses come a building at a time, so the fit's sampling
  error is set by the number of broadcasts, not of homes.

Modules:
    model: :class:`LatencyModel`, its per-hop sampling and the extrapolation
        to hop counts without data.
    fit: :func:`fit_latency` from a mesh_sim run, :func:`fixed_latency`,
        :func:`consumer_hops` and :func:`site_latency` (run mesh_sim on a site
        and fit).
"""

from twin.control.latency.fit import consumer_hops, fit_latency, fixed_latency, site_latency
from twin.control.latency.model import LatencyModel

# Internals, kept importable from ``twin.control.latency``.
from twin.control.latency.fit import _ROUTED, _padding  # noqa: F401
from twin.control.latency.model import _Table  # noqa: F401

__all__ = ["LatencyModel", "consumer_hops", "fit_latency", "fixed_latency", "site_latency"]
