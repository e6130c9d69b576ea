"""Generator tasks: calling one gives a generator that yields the task's values, with
the task's retries, as Prefect 3's ``run_generator_task_sync`` / ``_async`` do.

An attempt that raises while it is iterated is retried from the start (its values are
yielded again, as in Prefect: ``[1, 2, 1, 2, 1, 2]`` for a task yielding 1 and 2 then
failing, with 2 retries); its final error is raised to the consumer. A consumer that
stops early (``close()``, ``break``) ends the task as completed. The iteration runs in the
caller (a flow body, a script), like a task called outside any flow: no row of its own;
in a flow body its task run is named as the flow run's others are (``_call``).

``.submit()`` and ``.map()`` of a generator task (:func:`listed`) run it as any task,
each attempt collecting its values into a list, which is the result: Prefect 3's
``return_value_to_state`` makes a list of a generator ("generators aren't portable").
Those of an ``async def`` generator fail, as in Prefect 3.9 (which awaits the generator).
"""

from __future__ import annotations

import copy
import functools
import inspect
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import TYPE_CHECKING, Any, NoReturn

from .context import current_run
from .inline import steps_of
from .prefect_api import returned_state
from .prefect_ids import default_task_run_name
from .states import State, StateType
from .task_runs import (
    InlineCall,
    ainline_begins,
    ainline_ends,
    attempt_scope,
    inline_begins,
    inline_ends,
)

if TYPE_CHECKING:
    from .task import Task


def _call(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> InlineCall:
    """The generator's task run. Iterated in a flow body, it is one of the flow run's task
    runs, named as Prefect names any (``gen-4a5``, ``prefect_ids.default_task_run_name``:
    Prefect code's only) where no ``task_run_name`` names it; its bare name stayed."""
    call = InlineCall(task, args, kwargs)
    extras = task.extras
    if current_run() is not None and (extras is None or extras.run_name is None):
        call.name = default_task_run_name(task, call.name, call.id)
    return call


def _completed(call: InlineCall) -> State:
    return State(StateType.COMPLETED, None, None, call.attempt, "", call.task.name, time.time())


def run_generator(task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Generator[Any]:
    """Iterate a generator task, retries included (see the module doc)."""
    call = _call(task, args, kwargs)
    steps = steps_of(task, call)
    next(steps)
    while True:
        call.next_attempt(time.time())
        inline_begins(call)
        outcome: tuple[Any, BaseException | None]
        with attempt_scope(call):
            gen = task.fn(*args, **kwargs)
        while True:
            try:
                with attempt_scope(call):
                    value = next(gen)
            except StopIteration as stop:
                outcome = returned_state(stop.value)
                break
            except Exception as exc:  # noqa: BLE001 - the attempt's error, to the retry rules
                outcome = (None, exc)
                break
            try:
                yield value
            except GeneratorExit:
                gen.close()
                inline_ends(call, _completed(call))
                raise
        try:
            wait = steps.send(outcome)
        except StopIteration as stop:
            final: State = stop.value
        else:
            time.sleep(wait)
            continue
        inline_ends(call, final)
        if final.type is StateType.FAILED:
            assert final.exception is not None
            raise final.exception
        return


async def arun_generator(
    task: Task, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> AsyncGenerator[Any]:
    """``async for`` over an async generator task, retries included."""
    import asyncio  # a loop runs: imported already (not with flowtop: see ``aloop``)

    call = _call(task, args, kwargs)
    steps = steps_of(task, call)
    next(steps)
    while True:
        call.next_attempt(time.time())
        await ainline_begins(call)
        outcome: tuple[Any, BaseException | None]
        with attempt_scope(call):
            agen = task.fn(*args, **kwargs)
        while True:
            try:
                with attempt_scope(call):
                    value = await agen.__anext__()
            except StopAsyncIteration:
                outcome = (None, None)
                break
            except Exception as exc:  # noqa: BLE001 - the attempt's error, to the retry rules
                outcome = (None, exc)
                break
            try:
                yield value
            except GeneratorExit:
                await agen.aclose()
                await ainline_ends(call, _completed(call))
                raise
        try:
            wait = steps.send(outcome)
        except StopIteration as stop:
            final: State = stop.value
        else:
            await asyncio.sleep(wait)
            continue
        await ainline_ends(call, final)
        if final.type is StateType.FAILED:
            assert final.exception is not None
            raise final.exception
        return


class _Listed:
    """A generator function called for its values as a list. A class, not a closure, so a
    process executor can pickle it (by its function's reference)."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)  # its signature and source are the function's
        self.fn = fn

    def __call__(self, *args: Any, **kwargs: Any) -> list[Any]:
        return list(self.fn(*args, **kwargs))


class _Awaited(_Listed):
    """An async generator function as Prefect 3.9 runs a submitted one: it awaits the
    generator, which fails every attempt with Prefect's ``TypeError`` (the function's body
    never runs), said here with what to do instead."""

    def __init__(self, fn: Callable[..., Any], task_name: str) -> None:
        super().__init__(fn)
        self.task_name = task_name

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        call = getattr(self.fn, "__name__", self.task_name)
        raise TypeError(
            "object async_generator can't be used in 'await' expression: the async "
            f"generator task {self.task_name!r} cannot be run by .submit() or .map(), in "
            f"Prefect 3 either; iterate it in an async flow (async for value in {call}(...))"
        )


def listed(task: Task) -> Task:
    """``task`` as its ``.submit()`` and ``.map()`` run it: a copy (same name, options, hooks
    and checks of its arguments) whose attempts return the generator's values as a list, so
    a failed attempt is retried from the start and the future's result is the list, as in
    Prefect 3. An ``async def`` generator's attempts fail (:class:`_Awaited`), as its
    run's do in Prefect 3.9: the flow goes on, and only the future's ``result()`` raises."""
    runs = copy.copy(task)
    is_async = inspect.isasyncgenfunction(task.fn)
    runs.fn = _Awaited(task.fn, task.name) if is_async else _Listed(task.fn)
    runs.is_generator = False
    runs.is_async = False
    return runs
