"""SIGINT and SIGTERM during a run: stop the workers, clean up, one line, no traceback.

:func:`handle_signals` turns both signals into :class:`Interrupted` (a
``KeyboardInterrupt``, so no task's ``except Exception`` swallows it) in the main
process. Before raising, it terminates this process's worker processes
(``multiprocessing`` children, e.g. a ``ProcessPoolExecutor``'s), so that
leaving a ``with pool:`` block does not wait for them and none is left holding
a lock on the tracking store. A forked worker that inherited the handler dies
of the signal as it would by default. A signal whose exception Python drops
(it landed in a finalizer) is raised again until it propagates; a task that
catches ``KeyboardInterrupt`` on purpose keeps that choice; once the
cleanup has begun (:func:`cleaning_up`) further signals are ignored, so the
cleanup runs to its end.

The runner removes the task's ``.<task>.partial/`` folder and marks the MLflow
run ``KILLED``; the command line prints :func:`message` and exits with
``128 + signal number`` (130 for SIGINT, 143 for SIGTERM), as shells do.
"""

from __future__ import annotations

import _thread
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

#: The signals handled.
SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """The run was stopped by a signal.

    A ``KeyboardInterrupt`` for whoever handles Ctrl-C already (the HIL suite's
    pytest stops its session at once), so no ``except Exception`` catches it.

    Attributes:
        signum: The signal number.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        """``128 + signum``, the shell's convention."""
        return 128 + self.signum


def stop_workers(timeout_s: float = 3.0) -> int:
    """Terminates this process's ``multiprocessing`` children; returns how many were running."""
    children = multiprocessing.active_children()
    for child in children:
        with contextlib.suppress(OSError, ValueError, AttributeError):
            child.terminate()
    for child in children:
        with contextlib.suppress(OSError, ValueError, AttributeError, AssertionError):
            child.join(timeout_s)
            if child.is_alive():
                child.kill()
                child.join(timeout_s)
    return len(children)


#: Process-wide state: the signal received (None: none yet), whether its exception
#: was dropped (raised inside a finalizer), whether the cleanup has begun, whether a
#: re-delivery thread runs, and how many :func:`handle_signals` blocks are active.
_state: dict[str, Any] = {"signum": None, "dropped": False, "cleaning": False, "redelivering": False, "depth": 0}
#: Seconds before a dropped signal is raised again.
REDELIVER_S = 0.2


def cleaning_up() -> None:
    """Says that :class:`Interrupted` was caught and the cleanup has begun: later signals are ignored."""
    _state["cleaning"] = True


def _redeliver() -> None:
    """Raises a dropped signal again in the main thread until it is no longer dropped.

    A signal that lands while Python runs a finalizer or a garbage-collection
    callback has its exception reported to ``sys.unraisablehook`` and lost;
    without this the run would go on as if nothing had happened. A task that
    catches the ``KeyboardInterrupt`` on purpose (``task=emulate`` stops
    serving on Ctrl-C and writes its summary) is left alone: nothing was dropped.
    """
    try:
        while True:
            time.sleep(REDELIVER_S)
            if _state["cleaning"] or _state["depth"] == 0 or _state["signum"] is None or not _state["dropped"]:
                return
            _state["dropped"] = False
            _thread.interrupt_main(_state["signum"])  # does nothing if the handler is no longer ours
    finally:
        _state["redelivering"] = False


def _dropped() -> None:
    """An :class:`Interrupted` was lost in a finalizer: raise it again shortly."""
    _state["dropped"] = True
    if not _state["redelivering"]:
        _state["redelivering"] = True
        threading.Thread(target=_redeliver, name="signal-redeliver", daemon=True).start()


@contextlib.contextmanager
def handle_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Interrupted` (main thread only).

    The previous handlers come back on leaving the block. Outside the main
    thread (signals cannot be caught there) the block runs unchanged. Whoever
    catches :class:`Interrupted` calls :func:`cleaning_up`.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    owner = os.getpid()
    if _state["depth"] == 0:
        _state.update(signum=None, dropped=False, cleaning=False)

    def on_signal(signum: int, _frame: Any) -> None:
        if os.getpid() != owner:  # a forked worker: die of the signal as by default
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        if _state["cleaning"]:  # already stopping: let the cleanup finish
            return
        first = _state["signum"] is None
        _state["signum"] = signum
        if first:
            stop_workers()
        raise Interrupted(signum)

    previous_hook = sys.unraisablehook

    def quiet_hook(unraisable: Any) -> None:  # a dropped Interrupted is raised again: no traceback for it
        if isinstance(unraisable.exc_value, Interrupted):
            _dropped()
        else:
            previous_hook(unraisable)

    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, on_signal)
    sys.unraisablehook = quiet_hook
    _state["depth"] += 1
    try:
        yield
    finally:
        _state["depth"] -= 1
        sys.unraisablehook = previous_hook
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


def message(exc: Interrupted, task: str | None = None, tracked: bool = False) -> str:
    """The one line printed when a run is interrupted.

    Args:
        exc: The interruption.
        task: The task that was running, if one was.
        tracked: The run was logged to MLflow (and is now marked KILLED).
    """
    name = signal.Signals(exc.signum).name
    if not task:
        return f"balance-twin: interrupted by {name} before any task started"
    tail = ", MLflow run marked KILLED" if tracked else ""
    return f"balance-twin: interrupted by {name}: task={task} stopped, no partial output kept{tail}"
