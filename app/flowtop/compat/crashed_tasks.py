"""A drop-in task run that Prefect 3 calls Crashed: one that ended in ``sys.exit()`` (or a
``KeyboardInterrupt``, ``engine.errors.crashes``), as Prefect code reads it.

Prefect 3.9.1's task engine (``handle_crash``, checked side by side) sets such a run
``Crashed`` ("Execution was aborted by Python system exit call."), retries it not, calls
no ``on_failure`` hook, and raises the ``SystemExit`` again to whatever waits on the run:
the call (``return_state=True`` too), its future's ``wait()`` and ``result()``. A flow
body that lets it through crashes (its ``on_crashed`` hooks, ``engine.flow_hooks``); a
future never waited on leaves the flow as it is. flowtop records the run ``FAILED``; its
future's ``state`` is named ``Crashed``, with Prefect's message.
"""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from typing import Any

from ..engine.calls import PrefectFutureList
from ..engine.errors import crashes
from ..engine.prefect_context import crash_message
from ..engine.states import StateType
from ..engine.task_future import TaskFuture


class CrashingFuture(TaskFuture):
    """A drop-in task's future: ``wait()`` raises the run's crash, as Prefect's future
    does, and its ``state`` is named ``Crashed``."""

    __slots__ = ()

    def wait(self, timeout: float | None = None) -> None:
        super().wait(timeout)
        crash = self._crash()
        if crash is not None:
            raise crash

    @property
    def state(self) -> Any:
        made = super().state
        crash = self._crash()
        if crash is not None:
            made.name, made.message = "Crashed", crash_message(crash)
        return made

    def _crash(self) -> BaseException | None:
        with self._run._lock:
            error = self._tr.exception if self._tr.state is StateType.FAILED else None
        return error if crashes(self._tr.node.task, error) else None


def crashing(future: Any) -> Any:
    """``future`` (a drop-in task's ``.submit()``) as a :class:`CrashingFuture`."""
    if isinstance(future, TaskFuture) and not isinstance(future, CrashingFuture):
        return CrashingFuture(future._run, future._tr)
    return future


def crashing_all(futures: Iterable[Any]) -> PrefectFutureList:
    """``.map()``'s futures, each a :class:`CrashingFuture`."""
    return PrefectFutureList(crashing(future) for future in futures)


def raised_if_crashed(task: Any, state: Any) -> Any:
    """A call's ``return_state=True`` state, or its crash raised, as Prefect's call raises
    it (an ``async def`` task's coroutine: when awaited)."""
    if isinstance(state, Coroutine):
        return _araised_if_crashed(task, state)
    if crashes(task, getattr(state, "data", None)):
        raise state.data
    return state


async def _araised_if_crashed(task: Any, called: Coroutine[Any, Any, Any]) -> Any:
    return raised_if_crashed(task, await called)
