"""``get_run_logger()``: the run loggers, and which run's a thread is in.

Prefect 3 keeps its run contexts in context variables, so a thread started with
``contextvars.copy_context().run(...)`` from a task or a flow body is still in that run,
and ``get_run_logger()`` works there. flowtop knows a run's thread from thread-locals
(``capture`` for a task attempt, ``context.current_run`` for a ``@flow`` body); this module
adds what a copied context carries: the ``@flow`` run (``context.context_run``) and a task
called outside any flow (:func:`inline_attempt`). A line logged on such a thread of a
``@flow`` body is part of the run's own output, as the body's lines are.

Kept apart from ``prefect_api`` (which re-exports these names) so that module stays small.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from . import capture
from .context import context_run, current_run
from .prefect_exceptions import PrefectException


class MissingContextError(PrefectException, RuntimeError):
    """``get_run_logger()`` outside any flow or task run."""


#: The run loggers: a ``@flow`` body's, and task attempts' (``disable_run_logger``).
RUN_LOGGERS = ("flowtop.flow_runs", "flowtop.task_runs")

_inline = threading.local()
#: A task called outside any flow runs in this context (a copied context carries it).
_INLINE: ContextVar[bool] = ContextVar("flowtop_inline_task", default=False)


def inline_depth() -> int:
    """How many tasks called outside any flow run on this thread now (nested)."""
    return getattr(_inline, "depth", 0)


@contextmanager
def inline_attempt() -> Iterator[None]:
    """An attempt of a task called outside any flow runs inside (``inline``)."""
    _inline.depth = inline_depth() + 1
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)
        _inline.depth -= 1


class _RunLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        return msg, kwargs


class _BodyThreadLogger(_RunLogger):
    """A ``@flow`` run's logger on a thread the body started with its context copied:
    each line is written where the body's go (the run's output, and the terminal of
    ``flowtop run``), unless this thread captures already."""

    def __init__(self, logger: logging.Logger, extra: dict[str, Any], run: Any) -> None:
        super().__init__(logger, extra)
        self.run = run

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        output = self.run.body_output
        if output is None or capture._local.buffer is not None:
            super().log(level, msg, *args, **kwargs)
            return
        capture.join(output, self.run.output_tee)
        try:
            super().log(level, msg, *args, **kwargs)
        finally:  # not capture.end(): the body may be writing to ``output`` meanwhile
            capture.leave()


def _logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.INFO)  # like Prefect's run loggers: INFO is recorded
    return logger


#: Prefect's logging setup puts its ``prefect`` logger at INFO (``PREFECT_LOGGING_LEVEL``),
#: so ``get_logger("mylib")``'s INFO lines (``prefect.mylib``) are made, as the run loggers'
#: are: in a task they are its output, shown by a plain script as they come. A level the
#: program set first is kept.
LIBRARY_LOGGER = _logger("prefect")


def run_logger(name: str, extra: dict[str, Any]) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """One of the :data:`RUN_LOGGERS`, with ``extra`` (the run's names) attached."""
    return _RunLogger(_logger(name), extra)


def get_run_logger(**extra: Any) -> logging.LoggerAdapter:  # type: ignore[type-arg]
    """The logger of the current task or flow run. In a task attempt its lines are part
    of that attempt's captured output (the detail pane, history, ``--json``)."""
    flows, tasks = RUN_LOGGERS
    if capture.in_task_attempt() or inline_depth() > 0:
        return _RunLogger(_logger(tasks), extra)
    run = current_run()
    if run is not None:
        return _RunLogger(
            _logger(flows), {"flow_name": run.flow.name, "run_id": run.run_id, **extra}
        )
    if _INLINE.get():  # a thread started from a task called outside any flow
        return _RunLogger(_logger(tasks), extra)
    run = context_run()
    if run is not None:  # a thread started from a @flow body
        names = {"flow_name": run.flow.name, "run_id": run.run_id, **extra}
        return _BodyThreadLogger(_logger(flows), names, run)
    if logging.getLogger(flows).disabled and logging.getLogger(tasks).disabled:
        null = logging.getLogger("null")  # ``disable_run_logger()``, as in Prefect
        null.disabled = True
        return _RunLogger(null, extra)
    raise MissingContextError("There is no active flow or task run context.")
