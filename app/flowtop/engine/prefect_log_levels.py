"""Prefect's logging levels from the environment, as its ``logging.yml`` reads them.

Prefect's docs set them so (advanced/logging-customization): ``PREFECT_LOGGING_LEVEL``
(the ``prefect`` logger's, INFO by default: ``logger.debug`` in a task is dropped) and,
for a key of ``logging.yml``, ``PREFECT_LOGGING_<PATH>_<TO>_<KEY>``:
``PREFECT_LOGGING_LOGGERS_PREFECT_FLOW_RUNS_LEVEL=ERROR`` keeps a flow run's INFO lines
out. flowtop ignored them, without a word. Read here, for Prefect's loggers, which only
Prefect code (drop-in mode) logs to, once: as the first run starts after drop-in mode made
a flow or task (``apply_in_drop_in``), or as its first run logger is made; flowtop's own
loggers are not Prefect's to set. ``PREFECT_LOGGING_ROOT_LEVEL`` (``logging.yml``'s
``root: level``) sets the root logger's then too, as Prefect's setup does before any run:
a library's lines (``logging.getLogger("mylib")``) pass it or not, in a flow that never
asks for a run logger too. Unset, the root keeps the level flowtop's commands give it
(INFO, for a program that configures no logging: ``capture``), where Prefect's is WARNING.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

#: Prefect's loggers whose level ``logging.yml`` sets, each with its default there: the
#: ``${PREFECT_LOGGING_LEVEL}`` ones (None), or NOTSET (they take the ``prefect`` one's).
PREFECT_LOGGERS: Mapping[str, int | None] = {
    "prefect": None,
    "prefect.extra": None,
    "prefect.client": None,
    "prefect.infrastructure": None,
    "prefect.flow_runs": logging.NOTSET,
    "prefect.task_runs": logging.NOTSET,
}


def level_of(text: str) -> int | None:
    """A level as ``logging`` reads one (``DEBUG``, ``debug``, ``10``); None for none."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    level = logging.getLevelName(text.upper())
    return level if isinstance(level, int) else None


#: The variable setting every ``${PREFECT_LOGGING_LEVEL}`` logger's level.
OVERALL = "PREFECT_LOGGING_LEVEL"

#: The variable setting the root logger's level (``logging.yml``'s ``root: level``).
ROOT = "PREFECT_LOGGING_ROOT_LEVEL"


def own_variable(logger: str) -> str:
    """The variable setting one logger's level: ``PREFECT_LOGGING_LOGGERS_PREFECT_LEVEL``."""
    return "PREFECT_LOGGING_LOGGERS_" + logger.upper().replace(".", "_") + "_LEVEL"


def prefect_levels(environ: Mapping[str, str] | None = None) -> dict[str, int]:
    """The level of each of Prefect's loggers the environment sets (as Prefect's
    ``load_logging_config``: the logger's own variable, else ``PREFECT_LOGGING_LEVEL``
    for those ``logging.yml`` gives it to); a value that is no level is left out
    (``not_levels`` says which)."""
    env = os.environ if environ is None else environ
    overall = level_of(env.get(OVERALL, ""))
    levels: dict[str, int] = {}
    for name, default in PREFECT_LOGGERS.items():
        level = level_of(env.get(own_variable(name), ""))
        if level is None and default is None:
            level = overall
        if level is not None:
            levels[name] = level
    return levels


def root_level(environ: Mapping[str, str] | None = None) -> int | None:
    """The root logger's level ``PREFECT_LOGGING_ROOT_LEVEL`` sets; None when it is unset,
    empty (Prefect's setup skips an empty one) or no level (``not_levels``)."""
    env = os.environ if environ is None else environ
    return level_of(env.get(ROOT, ""))


def not_levels(environ: Mapping[str, str] | None = None) -> list[str]:
    """A line for each of those variables set to what is no level, which Prefect refuses
    (its settings take DEBUG, INFO, WARNING, ERROR or CRITICAL, its ``logging.yml`` a
    ``logging`` level) and ``prefect_levels`` leaves out: said, not left out silently."""
    env = os.environ if environ is None else environ
    named = [OVERALL, *map(own_variable, PREFECT_LOGGERS), ROOT]
    return [
        f"{variable}={value!r} is not a logging level (DEBUG, INFO, WARNING, ERROR, "
        "CRITICAL or a number): not used (Prefect refuses to start on it)"
        for variable in named
        if (value := env.get(variable, "")).strip() and level_of(value) is None
    ]


#: Whether this process has set them: once, as Prefect's logging setup runs once (a
#: level the program sets later is kept).
_APPLIED: list[bool] = []


#: Loaded once drop-in mode served Prefect code ``prefect.flow`` or ``prefect.task``
#: (``flowtop.compat``): until then no run is one of Prefect's (``drop_in_made``).
DROP_IN_MODULES = ("flowtop.compat.prefect_tasks", "flowtop.compat.prefect_flows")


def drop_in_made() -> bool:
    """Whether drop-in mode made a flow or task in this process: what Prefect's levels
    (here) and its ``log_prints`` (``logged_prints.install``) wait for."""
    return any(name in sys.modules for name in DROP_IN_MODULES)


def apply_in_drop_in() -> None:
    """As a run starts (``capture.hold``), or a task called outside any flow: the levels
    applied once drop-in mode made a flow or task, whether or not the flow ever asks for a
    run logger (Prefect's setup sets them before any run: a library's INFO lines)."""
    if not _APPLIED and drop_in_made():
        apply_prefect_levels()


def apply_prefect_levels() -> None:
    """Set Prefect's loggers to the levels the environment gives them, once: as the first
    run starts in drop-in mode (``apply_in_drop_in``) or a run logger of Prefect's is made
    in this process (not at import: a process forked from one that imported flowtop, as the
    tests' commands are, reads its own)."""
    if _APPLIED:
        return
    _APPLIED.append(True)
    for line in not_levels():  # once, as the levels are read (a run's output, if in one)
        sys.stderr.write(f"flowtop: {line}\n")  # not ``print``: a run may log it (log_prints)
    for name, level in prefect_levels().items():
        logging.getLogger(name).setLevel(level)
    if (root := root_level()) is not None:
        logging.getLogger().setLevel(root)
