"""What a sync task attempt past its ``timeout`` gets raised in its code: ``TaskInterrupted``,
an ``asyncio.CancelledError`` (and one whose run was cancelled).

It used to be the attempt's own error, ``TaskTimeout``: a ``TimeoutError``, which a
polling loop's broad ``except Exception`` swallowed, so the attempt ran on beside its retry
(side effects twice, after the flow had read ``TimedOut``). Prefect 3.9.1 raises its
``CancelledError`` there, a subclass of asyncio's, and flowtop cancels an ``async def``
attempt at its timeout: so one ``except asyncio.CancelledError:`` (or a ``finally:``)
cleans up after a timeout in any task, sync or async, here as in Prefect, and ``except
Exception`` lets it through. The attempt itself fails with ``TaskTimeout`` as before.

Its text names the limit (``task interrupted: timed out after 2 s``), for the code that
catches it and logs it. A sync attempt still running when its run is cancelled gets it
too (``task interrupted: the run was cancelled``): the README promised it, and the thread
of a ``while True`` task otherwise spun on, given up, until its process exited. CPython
raises an exception in another thread by its class alone (``PyThreadState_SetAsyncExc``;
the thread makes the instance, with no arguments), so the text travels on a subclass
made for that limit or cause (``timed_out_after``, ``run_cancelled``), named and pickled
as ``TaskInterrupted``.

A module of its own because ``asyncio`` is imported here: half of the engine's import
time, it is imported only once something is interrupted (``user_call.in_code``), as
``aloop`` imports it only when a loop is made.
"""

from __future__ import annotations

import asyncio
import functools
from typing import Any

from .errors import Interrupt


class TaskInterrupted(asyncio.CancelledError, Interrupt):
    """Raised at a timed-out (or cancelled) sync attempt's next Python line (see the module doc)."""

    #: Its text when made with none, as the interpreter makes it: the subclass of
    #: ``timed_out_after`` says the limit; this one is raised when it is not known.
    reason = "task interrupted: it ran past its timeout"

    def __init__(self, *args: object) -> None:
        super().__init__(*(args or (self.reason,)))

    def __reduce__(self) -> tuple[Any, ...]:
        # As ``TaskInterrupted`` with its text: a subclass of ``timed_out_after`` is not
        # importable by its name, and ``BaseException``'s own reduce would name it.
        return (TaskInterrupted, self.args, self.__dict__ or None)


#: What a sync attempt still running when its run is cancelled gets raised in its code
#: (``run_actions``): a handler that logs it says the attempt did not time out.
RUN_CANCELLED = "task interrupted: the run was cancelled"


def run_cancelled() -> type[TaskInterrupted]:
    """What is raised in the code of an attempt whose run was cancelled: ``TaskInterrupted``
    that says ``task interrupted: the run was cancelled``."""
    return _saying(RUN_CANCELLED)


def timed_out_after(seconds: float | None) -> type[TaskInterrupted]:
    """What is raised in an attempt's code past its limit of ``seconds``: ``TaskInterrupted``
    that says ``task interrupted: timed out after 2 s`` (``TaskInterrupted`` itself when
    the limit is not known)."""
    if seconds is None:
        return TaskInterrupted
    return _saying(f"task interrupted: timed out after {float(seconds):g} s")


@functools.lru_cache(maxsize=64)  # a few limits per program: one class each, not one per timeout
def _saying(reason: str) -> type[TaskInterrupted]:
    class Saying(TaskInterrupted):
        pass

    Saying.reason = reason
    Saying.__name__ = Saying.__qualname__ = TaskInterrupted.__name__  # as tracebacks print it
    return Saying


__all__ = ["RUN_CANCELLED", "TaskInterrupted", "run_cancelled", "timed_out_after"]
