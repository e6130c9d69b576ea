"""Generator ``@flow``s (``yield`` in the body), and flows that return a generator.

Prefect 3 runs a generator flow as its caller iterates it (``run_generator_flow_sync`` /
``_async``): calling it gives a generator (an async one for ``async def``) and starts
nothing; the first value asked for starts the flow run, whose body runs up to its next
``yield`` for each value asked; the run stays running while its caller iterates, and
ends COMPLETED when the body returns (its ``return`` value is the run's result and the
``yield from``'s) or when the caller stops early (``break``, ``close()``), FAILED when the
body raises, which the caller gets. flowtop recorded such a run COMPLETED at once with a
``<generator object …>`` result, its body never run, and the tasks a caller's iteration
reached went to the caller's run.

Here the body still runs on its run's own thread (its tasks, prints and time limit are
the run's): each value asked for is handed over between that thread and the caller's
(:class:`Exchange`, on the run's own lock), so what runs between two ``yield``\\ s runs
when the caller asks, as in Prefect. A flow-level retry runs the body again from the
start and its values go on to the same caller, as Prefect's retry loop does. A run that
flowtop starts itself (``flowtop run``, the monitor, a rerun) has no caller iterating it:
its body is run to its end and the values it yielded are the run's result, as a list.

A flow that *returns* a generator gets it consumed into a list as its result (Prefect's
``return_value_to_state``: "generators aren't portable"), in its run (what consuming it
prints or calls is the run's); a returned async generator stays as it is, as in Prefect.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import threading
import weakref
from collections.abc import AsyncGenerator, Callable, Generator
from types import AsyncGeneratorType, GeneratorType
from typing import TYPE_CHECKING, Any, cast

from .binding import unwrapped
from .call_guard import engine_code, interrupted
from .context import current_run
from .flow_await import off_loop
from .flow_in_task import refuse_when_over, room_while_waiting, subflow_started, why_called_off
from .flow_upstream import upstream_failure
from .run_handle import WAKE, wait_for
from .states import StateType
from .task_future import awaited

if TYPE_CHECKING:
    from .dynamic import FlowFunction
    from .dynamic_run import DynamicRun
    from .run import FlowRun

#: Why a generator flow's run is cancelled when its caller stops waiting for a value
#: (a Ctrl+C, a cancelled coroutine), as an awaited flow's caller that goes
#: (``flow_await.CALLER_GONE``).
CALLER_GONE = "cancelled: its caller stopped iterating it"


def is_generator_flow(fn: Callable[..., Any]) -> bool:
    """Whether ``fn`` (a ``@flow``'s function) is a generator function, sync or async."""
    plain = unwrapped(fn)
    return inspect.isgeneratorfunction(plain) or inspect.isasyncgenfunction(plain)


# -- the run's side: its body ---------------------------------------------------------------
def body_value(run: DynamicRun, made: Any) -> Any:
    """What a ``@flow`` body's call ``made`` gives its run, on the run's thread: an
    ``async def`` flow's coroutine run to its end (``awaited``); a generator flow's
    values handed to the caller iterating it (its ``return`` value, the run's), or, with
    none iterating it, collected into a list; any other generator returned, consumed
    into a list (see the module doc)."""
    generator_flow = run.flow.is_generator
    if isinstance(made, GeneratorType):
        exchange = _relay_claim(run) if generator_flow else None
        return list(made) if exchange is None else exchange.drive(made)
    if isinstance(made, AsyncGeneratorType) and generator_flow:
        import asyncio  # an ``async def`` flow: its body runs on a loop of its own

        exchange = _relay_claim(run)
        agen = cast("AsyncGenerator[Any]", made)
        return asyncio.run(_collected(agen) if exchange is None else exchange.adrive(agen))
    return awaited(made)


async def _collected(agen: AsyncGenerator[Any]) -> list[Any]:
    return [value async for value in agen]


class Exchange:
    """One run's hand-over of values between its body's thread and its caller's, on the
    run's lock (its condition wakes both as the run ends, or is cancelled or timed out)."""

    def __init__(self, run: DynamicRun) -> None:
        self.run = run
        self.asked = False  # the caller waits for a value
        self.closing = False  # the caller stopped early: the body closes its generator
        self.has_value = False
        self.value: Any = None
        self.body_done = False  # the body's generator ended (or was closed)

    # -- the body's thread ------------------------------------------------------------
    def _order(self) -> str:
        """Wait for the caller: ``next``, ``close``, or ``stop`` (the run is over)."""
        run = self.run
        with engine_code(), run._lock:  # (``call_guard``: a wait is Python code)
            while not (self.asked or self.closing or _stopped(run)):
                run._cond.wait(WAKE)
                if interrupted():
                    return "stop"
            if self.closing or _stopped(run):
                return "close" if self.closing else "stop"
            self.asked = False
            return "next"

    def _hand(self, value: Any) -> None:
        with engine_code(), self.run._lock:
            self.has_value, self.value = True, value
            self.run._cond.notify_all()

    def _done(self) -> None:
        with engine_code(), self.run._lock:
            self.body_done = True
            self.run._cond.notify_all()

    def drive(self, gen: Generator[Any, Any, Any]) -> Any:
        """Run ``gen`` one value per ask of the caller; what it returns."""
        try:
            while True:
                if self._order() != "next":
                    gen.close()
                    return None
                try:
                    value = next(gen)
                except StopIteration as stop:
                    return stop.value
                self._hand(value)
        finally:
            self._done()

    async def adrive(self, agen: AsyncGenerator[Any]) -> None:
        """``drive`` of an async generator, on the body's loop (its wait off the loop)."""
        import asyncio  # a loop runs

        try:
            while True:
                if await asyncio.to_thread(self._order) != "next":
                    await agen.aclose()
                    return
                try:
                    value = await agen.__anext__()
                except StopAsyncIteration:
                    return
                self._hand(value)
        finally:
            self._done()

    # -- the caller's thread ----------------------------------------------------------
    def ask(self) -> tuple[Any] | None:
        """The body's next value (in a tuple), or None once its generator ended or the run
        is over."""
        run = self.run
        with engine_code(), run._lock:
            self.asked = True
            run._cond.notify_all()
            while not (self.has_value or self.body_done or run.state is not StateType.RUNNING):
                run._cond.wait(WAKE)  # (a Ctrl+C reaches a waiting main thread)
                if interrupted():
                    return None
            if not self.has_value:
                return None
            value, self.has_value, self.value = self.value, False, None
            return (value,)

    def close(self) -> None:
        with engine_code(), self.run._lock:
            self.closing = True
            self.run._cond.notify_all()


def _stopped(run: DynamicRun) -> bool:
    """Under its lock: the run is over, cancelled, timed out or ending: its body stops."""
    return run.state is not StateType.RUNNING or run._closed()


class Relay:
    """A call's values, across its run and the flow-level retries of it (each run's own
    ``Exchange``). Kept by the copy of the flow the call runs (``_relays``), which its
    retries run too; a run of that copy no caller iterates (a rerun the monitor starts
    of a run it made) has none: a run's body claims it only as the call's first run or
    as a retry of one of its runs, while the caller iterates."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: dict[str, Exchange] = {}
        self._runs: set[str] = set()
        self.gone = False  # the caller is done with it

    def exchange(self, run: DynamicRun) -> Exchange:
        with self._lock:
            return self._exchanges.setdefault(run.run_id, Exchange(run))

    def claim(self, run: DynamicRun) -> Exchange | None:
        with self._lock:
            if self.gone:
                return None
            if self._runs and not (run.flow_attempt > 1 and run.rerun_of in self._runs):
                return None
            self._runs.add(run.run_id)
            return self._exchanges.setdefault(run.run_id, Exchange(run))


_relays_lock = threading.Lock()
_relays: weakref.WeakKeyDictionary[FlowFunction, Relay] = weakref.WeakKeyDictionary()


def _relay_claim(run: DynamicRun) -> Exchange | None:
    with _relays_lock:
        relay = _relays.get(run.flow)
    return None if relay is None else relay.claim(run)


# -- the caller's side ----------------------------------------------------------------------
class _Consumer:
    """A generator flow's call, as its caller iterates it: its run started at the first
    value asked for, followed through its flow-level retries."""

    def __init__(
        self,
        flow: FlowFunction,
        parent: FlowRun | None,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        wait_for: Any,
    ) -> None:
        self.flow = copy.copy(flow)  # its runs (and its retries) find the relay by it
        self.relay = Relay()
        with _relays_lock:
            _relays[self.flow] = self.relay
        self.parent = parent
        #: ``async def``: iterated with ``async for``, each wait on a thread of its own.
        self.is_async = inspect.isasyncgenfunction(unwrapped(flow.fn))
        #: Called in a task attempt of a running flow (``flow_in_task``), not in its body.
        self.in_attempt = parent is not None and current_run() is None
        self.return_state = bool(kwargs.pop("return_state", False))
        self.args, self.kwargs, self.wait_for = args, kwargs, wait_for
        self.first: DynamicRun | None = None
        self.run: DynamicRun | None = None
        self._held = contextlib.ExitStack()  # the private runner, the lent worker

    def begin(self) -> None:
        if self.return_state:  # Prefect's words
            raise ValueError("The return_type for a generator flow must be 'result'")
        failure = None if self.wait_for is None else upstream_failure(self.flow.name, self.wait_for)
        if failure is not None:
            raise failure
        parent, flow = self.parent, self.flow
        if parent is None:
            run, runner = flow.start_call(None, self.args, self.kwargs)
            assert runner is not None  # a private one: no parent run
            self._held.enter_context(runner)
        elif self.in_attempt:
            refuse_when_over(flow, parent)
            if not self.is_async:  # its waits hold the attempt's thread: a worker lent
                self._held.enter_context(room_while_waiting(flow, parent))
            run = self._held.enter_context(subflow_started(flow, parent, self.args, self.kwargs))
        else:
            run, _ = flow.start_call(parent, self.args, self.kwargs)
        self.first = self.run = run

    def step(self) -> tuple[Any] | None:
        """The next value (in a tuple), or None once the last run of the call is over."""
        run = self.run
        while run is not None:
            got = self.relay.exchange(run).ask()
            if got is not None:
                return got
            run = _retry_of(run)
            self.run = run or self.run
        return None

    def finish(self) -> Any:
        """The call's outcome once its runs are over: the body's ``return`` value, or the
        run's error raised (``FlowFunction.outcome``)."""
        assert self.first is not None
        try:
            result = self.first.final_result()
        finally:
            self._let_go()
        return self.flow.outcome(result, subflow=self.parent is not None)

    def close(self) -> None:
        """The caller stopped early: the body closes its generator, the run completes."""
        try:
            if self.run is not None:
                self.relay.exchange(self.run).close()
            if self.first is not None:
                self.first.final_result()
        finally:
            self._let_go()

    def leave(self, why: str = CALLER_GONE) -> None:
        """The caller's wait was interrupted: its run is called off."""
        try:
            if self.run is not None:
                parent = self.parent if self.in_attempt else None
                self.run.call_off(why if parent is None else why_called_off(parent))
        finally:
            self._let_go()

    def _let_go(self) -> None:
        self.relay.gone = True
        self._held.close()


def _retry_of(run: DynamicRun) -> DynamicRun | None:
    """Once ``run`` ended: the flow-level retry it led to, or None."""
    run._wait_end(None)
    if not run._retrying:
        return None
    wait_for(run._successor, None)
    return run.next_run


def iterate(
    flow: FlowFunction,
    parent: FlowRun | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    wait_for: Any = None,
) -> Generator[Any, None, Any] | AsyncGenerator[Any]:
    """What calling the generator flow ``flow`` gives: a generator (an async one for an
    ``async def`` flow) whose iteration runs it (see the module doc)."""
    consumer = _Consumer(flow, parent, args, kwargs, wait_for)
    if consumer.is_async:
        return _aiterate(consumer)
    return _iterate(consumer)


def _iterate(consumer: _Consumer) -> Generator[Any, None, Any]:
    try:
        consumer.begin()
    except BaseException:
        consumer.leave()
        raise
    while True:
        try:
            got = consumer.step()
        except BaseException:
            consumer.leave()
            raise
        if got is None:
            return consumer.finish()
        try:
            yield got[0]
        except GeneratorExit:
            consumer.close()
            raise
        except BaseException:  # thrown in by the caller: its run gives up on it
            consumer.leave()
            raise


async def _aiterate(consumer: _Consumer) -> AsyncGenerator[Any]:
    """``_iterate`` for ``async for``: each wait on a thread of its own, off the loop."""
    try:
        await _off_loop(consumer.begin, consumer)
    except BaseException:
        consumer.leave()
        raise
    while True:
        try:
            got = await _off_loop(consumer.step, consumer)
        except BaseException:
            consumer.leave()
            raise
        if got is None:
            await _off_loop(consumer.finish, consumer)
            return
        try:
            yield got[0]
        except GeneratorExit:
            await _off_loop(consumer.close, consumer)
            raise
        except BaseException:  # thrown in by the caller (``athrow``): as ``_iterate``
            consumer.leave()
            raise


async def _off_loop(work: Callable[[], Any], consumer: _Consumer) -> Any:
    """``work()`` on a thread of its own, awaited as an awaited flow's call is
    (``flow_await.off_loop``): its run is called off if the awaiting coroutine is cancelled."""
    name = f"flowtop-generator-{consumer.flow.name}"
    return await off_loop(work, name=name, left=consumer.leave)
