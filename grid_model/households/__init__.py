"""Appliance-level stochastic household loads with RED/YELLOW/GREEN sockets.

Public API: :class:`HouseholdConfig`, :class:`HouseholdFleet`,
:func:`simulate_households`. See ``docs/households.md``.
"""

from grid_model.households.config import SOCKET_CLASSES, HouseholdConfig
from grid_model.households.fleet import APPLIANCE_CLASS, HouseholdFleet, simulate_households

__all__ = ["APPLIANCE_CLASS", "SOCKET_CLASSES", "HouseholdConfig", "HouseholdFleet", "simulate_households"]
