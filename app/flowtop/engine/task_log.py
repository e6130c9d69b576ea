"""The engine's Prefect-style log lines for a task's failed attempt (Prefect 3's
``task_engine.handle_retry``), on the ``flowtop.task_engine`` logger: INFO ``Task run
failed with exception: ValueError('x') - Retry 1/3 will start immediately``, and when it is
final ERROR ``... - Retries are exhausted`` (just ``Task run failed with exception: ...``
for a task without retries). The logger is at WARNING unless set otherwise, so retries
cost no log record; flowtop's own output does not repeat these lines (it reports failures
its own way; see ``capture``). Apart from ``task_runs``, which logs them as an attempt is
concluded, so that module keeps its size.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import capture
from .records import error_info

if TYPE_CHECKING:
    from .policy import Decision, RetryPolicy

#: Where the engine's Prefect-style lines go (WARNING unless the program lowers it).
ENGINE_LOG = logging.getLogger(capture.QUIET_LOGGER)
if ENGINE_LOG.level == logging.NOTSET:
    ENGINE_LOG.setLevel(logging.WARNING)


def heard(level: int) -> bool:
    """Whether a record at ``level`` on :data:`ENGINE_LOG` reaches a handler of the
    program's (caplog's, ``basicConfig``'s, …): flowtop's capture handler drops these
    records and Python's last-resort handler is not counted, so without a logging setup
    no record is made (a failed task costs no record, and no line flowtop already shows)."""
    return ENGINE_LOG.isEnabledFor(level) and capture.heard(ENGINE_LOG, level)


def log_failure(
    policy: RetryPolicy, attempt: int, error: BaseException | None, decision: Decision
) -> None:
    """Prefect's ``handle_retry`` lines for a failed attempt (see the module doc)."""
    if error is None:  # a completed attempt retried by a predicate
        return
    kind = "exception" if isinstance(error, Exception) else "state"
    if decision.retry:
        if heard(logging.INFO):
            delay = decision.delay.seconds if decision.delay is not None else 0.0
            ENGINE_LOG.info(
                "Task run failed with %s: %r - Retry %s/%s will start %s",
                kind,
                error,
                attempt,
                policy.budget,
                f"{delay:g} second(s) from now" if delay > 0 else "immediately",
            )
        return
    if not heard(logging.ERROR):
        return
    shown = decision.error if decision.error is not None else error
    if policy.budget > 0 and attempt > policy.budget:
        _error("Task run failed with %s: %r - Retries are exhausted", (kind, shown), shown)
    else:
        _error("Task run failed with %s: %r", (kind, shown), shown)


def _error(msg: str, args: tuple[object, ...], error: BaseException) -> None:
    """``ENGINE_LOG.error(msg, *args, exc_info=error)``, its traceback written as the run
    stores it (``records.error_info``): a task run in a worker process failed with its
    error chained to a ``RemoteTraceback``, and the line printed that wrapper (in triple
    quotes, "The above exception was the direct cause …") where a thread's read the task's
    frames. A handler's formatter uses the record's ``exc_text`` when set, as ``logging``'s does."""
    if not ENGINE_LOG.isEnabledFor(logging.ERROR):  # (as ``error`` asks first)
        return
    fn, line, func, _ = ENGINE_LOG.findCaller(stacklevel=2)  # log_failure's line, as before
    record = ENGINE_LOG.makeRecord(
        ENGINE_LOG.name,
        logging.ERROR,
        fn,
        line,
        msg,
        args,
        (type(error), error, error.__traceback__),
        func,
    )
    record.exc_text = error_info(error).traceback.rstrip("\n") or None
    ENGINE_LOG.handle(record)


__all__ = ["ENGINE_LOG", "heard", "log_failure"]
