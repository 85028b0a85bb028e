"""Quasi-static unbalanced three-phase time-series engine (see ``docs/grid-model.md``).

The engine is compiled from a pandapower net (:meth:`GridEngine.from_net`) and
solves whole days as arrays (:meth:`GridEngine.solve_day`) or one step at a
time (:meth:`GridEngine.stepper`).
"""

from grid_model.engine.core import GridEngine
from grid_model.engine.errors import ConvergenceError
from grid_model.engine.loadmodel import LOAD_MODELS, LoadModel
from grid_model.engine.results import GridResult, StepResult
from grid_model.engine.stepper import Stepper

__all__ = ["GridEngine", "GridResult", "StepResult", "Stepper", "ConvergenceError", "LoadModel", "LOAD_MODELS"]
