"""``get_run_logger()``: the run loggers, and which run's a thread is in.

Prefect 3 keeps its run contexts in context variables, so a thread started with
``contextvars.copy_context().run(...)`` from a task or a flow body is still in that run,
and ``get_run_logger()`` works there. flowtop knows a run's thread from thread-locals
(``capture`` for a task attempt, ``context.current_run`` for a ``@flow`` body); this module
adds what a copied context carries: the ``@flow`` run (``context.context_run``) and a task
called outside any flow (:func:`inline_attempt`). A line logged on such a thread of a
``@flow`` body is part of the run's own output, as the body's lines are.

The loggers are flowtop's, ``flowtop.flow_runs`` and ``flowtop.task_runs``, for flowtop's
own flows and tasks; a flow or task made by Prefect code (drop-in mode,
``prefect_ids.by_prefect_code``) logs on Prefect's, ``prefect.flow_runs`` and
``prefect.task_runs``, so a program's logging setup for those (a level on ``prefect``, a
handler on ``prefect.task_runs``) applies to it as in Prefect. Either way a line logged in
a run is captured by the root logger's handler (``capture``), whatever its logger.

Kept apart from ``prefect_api`` (which re-exports these names) so that module stays small.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from . import capture, logged_prints
from .call_guard import engine_code
from .context import context_run, current_run
from .prefect_exceptions import PrefectException
from .prefect_ids import by_prefect_code, prefect_uuid, retried_flow_run
from .prefect_log_levels import apply_in_drop_in, apply_prefect_levels
from .prefect_slugs import flow_run_slug

if TYPE_CHECKING:
    from .run_protocols import ActiveRun, FlowBodyRun


class MissingContextError(PrefectException, RuntimeError):
    """``get_run_logger()`` outside any flow or task run."""


#: The run loggers of flowtop's own flows and tasks: a ``@flow`` body's, and task attempts'.
RUN_LOGGERS = ("flowtop.flow_runs", "flowtop.task_runs")
#: Prefect's run loggers, those of flows and tasks made by Prefect code (drop-in mode).
PREFECT_RUN_LOGGERS = ("prefect.flow_runs", "prefect.task_runs")
#: Either pair disabled (``disable_run_logger()``): outside any run, a logger that drops all.
_BOTH = (RUN_LOGGERS, PREFECT_RUN_LOGGERS)

_inline = threading.local()
#: A task called outside any flow runs in this context (a copied context carries it).
_INLINE: ContextVar[bool] = ContextVar("flowtop_inline_task", default=False)


def inline_depth() -> int:
    """How many tasks called outside any flow run on this thread now (nested)."""
    return getattr(_inline, "depth", 0)


@contextmanager
def inline_attempt() -> Iterator[None]:
    """An attempt of a task called outside any flow runs inside (``inline``): its prints
    are its run logger's lines when its ``log_prints`` asks (``logged_prints``)."""
    logged_prints.install()
    apply_in_drop_in()  # Prefect's logging levels, as a run's start applies them
    _inline.depth = inline_depth() + 1
    token = _INLINE.set(True)
    try:
        yield
    finally:
        _INLINE.reset(token)
        _inline.depth -= 1


class _RunLogger(logging.LoggerAdapter[logging.Logger]):
    """A run logger: each record carries the run's names (its ``extra``) as attributes,
    under those a call gives (``extra=``), as Prefect's ``PrefectLogAdapter`` makes them:
    a program's handler may format ``%(task_run_name)s``, as Prefect's own does."""

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        kwargs["extra"] = {**(self.extra or {}), **(kwargs.get("extra") or {})}
        return msg, kwargs

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        # flowtop's code, called from the task's (``call_guard``): ``logging``'s locks
        # (its module's, at a level's first look; its handlers') were kept for good by an
        # interrupt landing between their acquire and their ``try``
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1  # the caller's line
        with engine_code():
            super().log(level, msg, *args, **kwargs)


class _TaskRunLogger(_RunLogger):
    """A task run's logger. Called outside any flow in a plain script (``my_task()`` in a
    ``__main__`` block), no capture holds its lines and, with no logging set up, Python's
    last resort drops INFO: each line (a ``log_prints`` print too) is written to stderr
    then, as Prefect's console handler shows it, and as a flow's task lines are shown."""

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        with engine_code():  # (its look at the level takes ``logging``'s lock: see above)
            if not (self.isEnabledFor(level) and capture.shown_by_nobody(self.logger, level)):
                kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1  # the caller's line
                super().log(level, msg, *args, **kwargs)
                return
            msg, kwargs = self.process(msg, kwargs)
            capture.show_on_stderr(
                self.logger.makeRecord(
                    self.logger.name, level, "", 0, msg, args, _exc_info(kwargs.get("exc_info"))
                )
            )


def _exc_info(given: Any) -> Any:
    """``exc_info=`` as ``Logger._log`` reads it: True the exception being handled."""
    if isinstance(given, BaseException):
        return type(given), given, given.__traceback__
    if given and not isinstance(given, tuple):
        return sys.exc_info()
    return given or None


class _BodyThreadLogger(_RunLogger):
    """A ``@flow`` run's logger on a thread the body started with its context copied:
    each line is written where the body's go (the run's output, and the terminal of
    ``flowtop run``), unless this thread captures already."""

    def __init__(self, logger: logging.Logger, extra: dict[str, Any], run: FlowBodyRun) -> None:
        super().__init__(logger, extra)
        self.run = run

    def log(self, level: int, msg: Any, *args: Any, **kwargs: Any) -> None:
        # the record's line is its caller's, not this method's (``Logger.findCaller``)
        kwargs["stacklevel"] = kwargs.get("stacklevel", 1) + 1
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
    """The logger ``name``, at INFO unless the program set its level: like Prefect's run
    loggers, whose INFO lines are recorded. Prefect's own names are left at their level
    (NOTSET, as Prefect's logging setup leaves them), so they take the ``prefect``
    logger's, INFO (:data:`LIBRARY_LOGGER`) unless the program set another there."""
    with engine_code():  # ``get_run_logger()`` in a task: ``logging``'s lock (see above)
        logger = logging.getLogger(name)
        if logger.level == logging.NOTSET and not name.startswith("prefect."):
            logger.setLevel(logging.INFO)
        if name.startswith("prefect."):  # the first of Prefect's run loggers: its settings'
            apply_prefect_levels()  # levels (``PREFECT_LOGGING_LEVEL``, …), once
        return logger


def logger_names(made: object) -> tuple[str, str]:
    """The run loggers (a flow run's, a task run's) of a run of ``made``, a flow or task:
    Prefect's for one made by Prefect code (drop-in mode), else flowtop's."""
    return PREFECT_RUN_LOGGERS if by_prefect_code(made) else RUN_LOGGERS


#: Prefect's logging setup puts its ``prefect`` logger at INFO (``PREFECT_LOGGING_LEVEL``),
#: so ``get_logger("mylib")``'s INFO lines (``prefect.mylib``) are made, as the run loggers'
#: are: in a task they are its output, shown by a plain script as they come. A level the
#: program set first is kept.
LIBRARY_LOGGER = _logger("prefect")


def run_logger(name: str, extra: dict[str, Any]) -> logging.LoggerAdapter[logging.Logger]:
    """The run logger ``name`` (flowtop's or Prefect's, ``logger_names``), with ``extra``
    (the run's names) attached."""
    return _RunLogger(_logger(name), extra)


def get_run_logger(**extra: Any) -> logging.LoggerAdapter[logging.Logger]:
    """The logger of the current task or flow run, its ``extra`` the run's names, as
    Prefect's. In a task attempt its lines are part of that attempt's captured output
    (the detail pane, history, ``--json``)."""
    if capture.in_task_attempt() or inline_depth() > 0:
        return task_run_logger_here(**extra)
    run = current_run()
    if run is not None:
        flows = logger_names(run.flow)[0]
        return _RunLogger(_logger(flows), {**_flow_run_names(run), **extra})
    if _INLINE.get():  # a thread started from a task called outside any flow
        return task_run_logger_here(**extra)
    started_by = context_run()
    if started_by is not None:  # a thread started from a @flow body
        names = _flow_run_names(started_by)
        flows = logger_names(started_by.flow)[0]
        return _BodyThreadLogger(_logger(flows), {**names, **extra}, started_by)
    if any(all(logging.getLogger(n).disabled for n in pair) for pair in _BOTH):
        null = logging.getLogger("null")  # ``disable_run_logger()``, as in Prefect
        null.disabled = True
        return _RunLogger(null, extra)
    raise MissingContextError("There is no active flow or task run context.")


def task_run_logger_here(**extra: Any) -> logging.LoggerAdapter[logging.Logger]:
    """The logger of the task run this code is in (its attempt, or a scope of its hooks),
    named for its task (``logger_names``), with the task run's names in ``extra``."""
    task, names = task_run_here()
    return _TaskRunLogger(_logger(logger_names(task)[1]), {**names, **extra})


#: Prefect's word for a name a task run logger has not got (a task called outside a flow).
UNKNOWN = "<unknown>"


def flow_run_name(run: ActiveRun) -> str:
    """The run's ``flow_run_name``, else flowtop's name for it (``etl #3``), or for a
    drop-in flow's run Prefect's shape (``crafty-lemur``, ``prefect_slugs``): Prefect's
    ``flow_run.name``."""
    if run.run_name:
        return run.run_name
    return (
        flow_run_slug(run.run_id) if by_prefect_code(run.flow) else f"{run.flow.name} #{run.number}"
    )


def prefect_flow_run_name(run: ActiveRun) -> str:
    """``flow_run.name`` as Prefect code reads it: the run's (``flow_run_name``), but for a
    drop-in flow's retry its first attempt's, as Prefect's retry is the same flow run
    (``prefect_ids.same_flow_run``)."""
    retried = retried_flow_run(str(run.run_id))
    return flow_run_name(run) if retried is None else retried.name


def _flow_run_names(run: ActiveRun) -> dict[str, Any]:
    """Prefect's ``extra`` of a flow run's logger (``PrefectLogAdapter``): its
    ``flow_run_id`` the text of ``flow_run.id`` (the run's UUID, ``prefect_ids``), as a
    task run logger's ``flow_run_id`` is."""
    return {
        "flow_run_name": prefect_flow_run_name(run),
        "flow_run_id": str(prefect_uuid(run.run_id)),
        "flow_name": run.flow.name,
        "deployment_name": None,  # no deployments in flowtop
    }


def _no_task_run() -> tuple[object, dict[str, Any]]:
    return None, {}


#: The task of the task run this code is in (None where no attempt is known), and
#: Prefect's ``extra`` of its logger: its task run's id and name, its task's name, and
#: its flow run's. The engine's task runs are read above this module (``task_runs``
#: imports it, through ``prefect_api``), so ``prefect_context`` sets this as it is
#: imported, which ``import flowtop`` does.
task_run_here: Callable[[], tuple[object, dict[str, Any]]] = _no_task_run
