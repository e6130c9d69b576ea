"""``log_prints=True``: a print() of Prefect code that asked for it is a line of its run log.

Prefect 3 replaces ``builtins.print`` while a flow or task run whose ``log_prints`` is on
runs (``logging.loggers.print_as_log``): a print there to ``sys.stdout``, ``sys.stderr``
or no file is formatted as print formats it, stripped of its trailing whitespace, and
logged at INFO on the run logger (``prefect.task_runs``, ``prefect.flow_runs``), the
print's own line as the record's (``stacklevel=2``), instead of being written: it reaches
stderr through the logging setup, never stdout. Any other file is written as always.

flowtop replaces ``print`` once drop-in mode made a task or flow (:func:`install`), and
only the builtin itself (a program's own ``print`` is left alone). Each print asks
:data:`logger_here` whether it runs where Prefect logs prints (``prefect_context`` says:
a flow or task made by Prefect code, drop-in mode, whose ``log_prints`` applies);
elsewhere it prints as the builtin does. A logged print is still the run's output: the
record is captured as any line its run logs (``capture``), so the monitor, ``flowtop
run`` and the history show it.
"""

from __future__ import annotations

import builtins
import functools
import io
import logging
import sys
from collections.abc import Callable
from typing import Any

from .prefect_log_levels import drop_in_made

#: The builtin ``print``, as it was when flowtop was imported.
_PRINT = builtins.print


def _nowhere() -> logging.LoggerAdapter[logging.Logger] | None:
    return None


#: The run logger a print made here goes to, else None (it is printed). The run contexts
#: are read above this module (``capture`` imports it), so ``prefect_context`` sets this
#: as it is imported, which ``import flowtop`` does.
logger_here: Callable[[], logging.LoggerAdapter[logging.Logger] | None] = _nowhere


@functools.wraps(_PRINT)
def print_as_log(*args: Any, **kwargs: Any) -> None:
    """``print``, or, where :data:`logger_here` names a run logger, an INFO line of it."""
    file = kwargs.get("file")
    if file is None or file is sys.stdout or file is sys.stderr:
        logger = logger_here()
        if logger is not None:
            text = io.StringIO()
            _PRINT(*args, **{**kwargs, "file": text})
            logger.info(text.getvalue().rstrip(), stacklevel=2)  # the print's own line
            return
    _PRINT(*args, **kwargs)


def install() -> None:
    """``print`` is :func:`print_as_log` from now on, once Prefect code made a task or a
    flow (``drop_in_made``: until then no print can be one Prefect logs, and ``print``
    stays the builtin, one that asks costing a few microseconds), unless the program
    replaced it. Called as a run starts (``capture.hold``) and as a task called outside
    any flow runs (``run_loggers.inline_attempt``)."""
    if builtins.print is _PRINT and drop_in_made():
        builtins.print = print_as_log


__all__ = ["install", "logger_here", "print_as_log"]
