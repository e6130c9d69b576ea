"""Immutable engine events and the bus that hands them to any number of sinks.

Events are ``NamedTuple``s: immutable like a frozen dataclass but four times cheaper to
build, which matters on the per-task hot path (two events per attempt).

The engine only ever appends to a queue; each sink drains its own queue on its own
thread, in batches. So a slow sink (a terminal, a database) never slows a run, and one
sink never delays another. Events of a run are emitted under that run's lock, so every
sink sees them in the order the engine decided them.
"""

from __future__ import annotations

import json
import logging
import math
import operator
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import repeat
from typing import Any, NamedTuple

from .states import StateType

log = logging.getLogger("flowtop.events")

#: How long a sink thread lets events pile up after a wake-up before it delivers them,
#: unless the sink sets its own ``batch_window`` (see ``EventBus``).
BATCH_WINDOW = 0.005


class ErrorInfo(NamedTuple):
    type: str
    message: str
    traceback: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message, "traceback": self.traceback}


class RunStarted(NamedTuple):
    """A run began. Every task listed starts PENDING (no per-task PENDING events)."""

    run_id: str
    flow: str
    run: int
    tasks: tuple[str, ...]
    max_attempts: tuple[int, ...]  # per task, same order as ``tasks``
    policies: tuple[str, ...]  # one-line policy summary per task
    rerun_of: str | None = None
    ts: float = 0.0
    event: str = "run_started"
    #: A subflow's run: the id of the run whose flow function called it (None otherwise).
    parent_run: str | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "run": self.run,
            "tasks": len(self.tasks),
            "ts": self.ts,
        }
        if self.rerun_of:
            data["rerun_of"] = self.rerun_of
        if self.parent_run:
            data["parent_run"] = self.parent_run
        return data


class TaskStateChanged(NamedTuple):
    """One task entering one state. Attempt-ending states carry what the attempt left."""

    run_id: str
    flow: str
    task: str
    state: StateType
    attempt: int
    max_attempts: int
    ts: float
    retry_in: float | None = None  # AWAITING_RETRY: seconds until the next attempt
    delay_explained: str = ""  # AWAITING_RETRY: how retry_in was computed
    error: ErrorInfo | None = None
    result: str | None = None  # COMPLETED: repr cut to 200 characters
    duration: float | None = None  # the attempt's run time
    output: str = ""  # captured stdout/stderr/logging of the attempt
    reused: bool = False  # COMPLETED carried over from the source run
    message: str = ""
    event: str = "task_state"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "task": self.task,
            "state": self.state.value,
            "attempt": self.attempt,
            "max_attempts": self.max_attempts,
            "ts": self.ts,
        }
        if self.retry_in is not None:
            data["retry_in"] = round(self.retry_in, 3)
        if self.error is not None:
            data["error"] = self.error.as_dict()
        if self.result is not None:
            data["result"] = self.result
        if self.duration is not None:
            data["duration"] = round(self.duration, 6)
        if self.reused:
            data["reused"] = True
        if self.message:
            data["message"] = self.message
        if self.output:
            data["output"] = self.output
        return data


class RunFinished(NamedTuple):
    """A run ended. ``error``: what a ``@flow`` function raised (None otherwise)."""

    run_id: str
    flow: str
    run: int
    state: StateType
    counts: dict[str, int]
    duration: float
    ts: float = 0.0
    event: str = "run_finished"
    error: ErrorInfo | None = None

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "event": self.event,
            "run_id": self.run_id,
            "flow": self.flow,
            "run": self.run,
            "state": self.state.value,
            "counts": dict(self.counts),
            "duration": round(self.duration, 6),
            "ts": self.ts,
        }
        if self.error is not None:
            data["error"] = self.error.as_dict()
        return data


Event = RunStarted | TaskStateChanged | RunFinished


def dumps_strict(data: Any) -> str:
    """``data`` as strict JSON (RFC 8259), ASCII only, on one line.

    ``json.dumps`` writes a non-finite float as a bare ``NaN`` or ``Infinity``, which is not
    JSON: a strict parser rejects the whole line. The engine keeps every number it emits
    finite; should one slip through anyway, it is written as ``null`` rather than break
    the stream.
    """
    try:
        return json.dumps(data, ensure_ascii=True, default=str, allow_nan=False)
    except ValueError:
        return json.dumps(_finite(data), ensure_ascii=True, default=str, allow_nan=False)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def json_line(event: Event) -> str:
    """One event as the line ``flowtop run --json`` prints (SPEC §5), newline included."""
    return dumps_strict(event.as_json()) + "\n"


#: Fields per ``TaskStateChanged``: the stride of a ``PackedSteps``.
STEP_WIDTH = len(TaskStateChanged._fields)


class PackedSteps:
    """Consecutive ``TaskStateChanged`` events, their fields laid end to end in ``values``.

    What the bus hands a sink that sets ``packed_steps = True``, in place of those events.
    A sink that keeps events for a while (the history writes twice a second) keeps each
    one alive through the cyclic GC's young collections, which then traverse all of its
    fields, twice: that doubled the GC's work during a 5,000-task run (3 ms to 6 ms, a
    twentieth of the run). Events are ``NamedTuple`` subclasses, which the GC never
    untracks. Packed, the event dies as soon as it is emitted, as with no sink at all;
    only its fields are kept, and those (``str``, ``float``, ``int``, ``None``, the
    long-lived ``StateType`` members) cost the young collections nothing.

    A ``PackedSteps`` is also a sequence of events: ``len`` counts them and iterating
    rebuilds them, for a consumer that wants objects after all.
    """

    __slots__ = ("values",)

    def __init__(self, values: list[Any]) -> None:
        self.values = values

    def __len__(self) -> int:
        return len(self.values) // STEP_WIDTH

    def __iter__(self) -> Iterator[TaskStateChanged]:
        values, make = self.values, TaskStateChanged._make
        for start in range(0, len(values), STEP_WIDTH):
            yield make(values[start : start + STEP_WIDTH])

    def __repr__(self) -> str:
        return f"<PackedSteps of {len(self)} events>"


#: What a sink's batch holds: events, and for a ``packed_steps`` sink ``PackedSteps`` too.
BatchItem = Event | PackedSteps


def unpack(batch: Iterable[BatchItem]) -> list[Event]:
    """The events of a batch, ``PackedSteps`` rebuilt into ``TaskStateChanged`` objects."""
    events: list[Event] = []
    for item in batch:
        if type(item) is PackedSteps:
            events.extend(item)
        else:
            events.append(item)  # type: ignore[arg-type]
    return events


def count_events(batch: Sequence[BatchItem]) -> int:
    """How many events a batch carries (a ``PackedSteps`` counts as the events in it)."""
    return sum(len(item) if type(item) is PackedSteps else 1 for item in batch)


#: A consumer of events: called with a batch, in emit order, on the sink's own thread
#: (a ``packed_steps`` sink's batch is a ``list[BatchItem]``).
Sink = Callable[[list[Event]], None]


class _SinkWorker:
    """One sink's queue and thread. Delivers batches in emit order.

    ``flush`` enqueues a marker (a ``threading.Event``) and waits for the thread to reach
    it, so "everything emitted before flush was delivered" holds without counters.
    A flush also cuts the current batch window short (``hurried``).

    For a ``packed_steps`` sink the queue holds a ``TaskStateChanged``'s fields rather
    than the event (see ``PackedSteps``). A step's first field, ``run_id``, is a ``str``
    and nothing else queued is, which is how the thread finds where each step begins.
    Steps reach that queue through ``put_step``, the deque's own ``extend``: no Python
    frame, and no wake-up either. So while a run it saw start is live (``live``), the
    thread looks at the queue every window without being woken; run starts, run ends and
    flush markers still wake it.
    """

    def __init__(self, sink: Sink, name: str) -> None:
        self.sink = sink
        self.window: float = getattr(sink, "batch_window", BATCH_WINDOW)
        packed = getattr(sink, "packed_steps", False)
        self.queue: deque[Any] = deque()
        self.put = self._put_packed if packed else self._put
        self.put_step = self.queue.extend if packed else self._put
        self.deliver = self._deliver_packed if packed else self._deliver
        self.live: set[str] = set()  # runs seen starting and not yet finished (packed only)
        self.wakeup = threading.Event()
        self.hurried = threading.Event()
        self.signalled = False
        self.closed = False
        self.thread = threading.Thread(target=self._loop, name=f"flowtop-sink-{name}", daemon=True)
        self.thread.start()

    def _put(self, event: Any) -> None:
        self.queue.append(event)
        if not self.signalled:  # a plain flag: Event.is_set() per event cost the engine ~1 µs
            self.signalled = True
            self.wakeup.set()

    def _put_packed(self, event: Any) -> None:
        if type(event) is TaskStateChanged:
            self.queue.extend(event)  # one C call; the event itself is freed on return
        else:
            self.queue.append(event)
        if not self.signalled:
            self.signalled = True
            self.wakeup.set()

    def _loop(self) -> None:
        queue = self.queue
        while True:
            if not self.live:  # with runs live, steps arrive without waking this thread
                self.wakeup.wait()
            if not self.closed:
                # Let a burst accumulate: one wake-up per window instead of one per event
                # keeps this thread from fighting the workers for the GIL.
                self.hurried.wait(self.window)
            self.hurried.clear()  # a flush from now on finds its marker still queued
            # Clear the event before the flag: a put landing between the two lines then
            # either finds the flag still set (its item is drained just below) or sets
            # the event again. The other order could leave the flag set with the event
            # cleared, and the thread asleep for good.
            self.wakeup.clear()
            self.signalled = False
            self.deliver()
            if self.closed and not queue:
                return

    def _deliver(self) -> None:
        """Hand over what is queued, in batches of at most 4,096 events, up to each marker."""
        queue = self.queue
        while queue:
            batch: list[Event] = []
            markers: list[threading.Event] = []
            try:
                while len(batch) < 4096:
                    item = queue.popleft()
                    if isinstance(item, threading.Event):
                        markers.append(item)
                        break
                    batch.append(item)
            except IndexError:
                pass
            self._hand(batch, markers)

    def _deliver_packed(self) -> None:
        """Hand over all that is queued: runs of steps as ``PackedSteps``, the rest as is."""
        queue = self.queue
        # Everything queued so far, in one C loop (a put's ``extend`` is atomic under the GIL).
        items = list(map(operator.call, repeat(queue.popleft, len(queue))))
        batch: list[Any] = []
        markers: list[threading.Event] = []
        start = index = 0
        while index < len(items):
            item = items[index]
            if type(item) is str:  # a step's run_id: skip over its fields
                index += STEP_WIDTH
                continue
            if index > start:
                batch.append(PackedSteps(items[start:index]))
            if isinstance(item, threading.Event):
                markers.append(item)
            else:
                batch.append(item)
                if type(item) is RunStarted:
                    self.live.add(item.run_id)
                elif type(item) is RunFinished:
                    self.live.discard(item.run_id)
            index += 1
            start = index
        if len(items) > start:
            batch.append(PackedSteps(items[start:]))
        self._hand(batch, markers)  # everything put before each marker is in this batch

    def _hand(self, batch: list[Any], markers: list[threading.Event]) -> None:
        """Give the sink its batch, then release the flushes waiting on ``markers``."""
        if batch:
            try:
                self.sink(batch)
            except Exception:  # a broken consumer must not stop the others
                log.exception("event sink %r failed", self.sink)
        for marker in markers:
            marker.set()

    def flush(self, timeout: float | None) -> bool:
        if not self.thread.is_alive():
            return True
        marker = threading.Event()
        self.put(marker)
        self.hurried.set()
        return marker.wait(timeout)

    def close(self, timeout: float | None) -> None:
        self.flush(timeout)
        self.closed = True
        self.wakeup.set()
        self.thread.join(timeout)


class EventBus:
    """Fan-out of engine events to sinks, each on its own thread.

    A sink is a callable taking a list of events (a batch). ``flush`` waits until every
    sink has seen everything emitted so far, which is what tests and the CLI need.

    A sink may carry a ``batch_window`` attribute: how long its thread lets events pile
    up after the first one (default ``BATCH_WINDOW``, 5 ms, right for a screen). A sink
    that writes in bulk anyway, like the run history, sets a long one, so its thread
    wakes a few times a second during a burst instead of 200 times. ``flush`` delivers
    at once whatever the window.

    A sink that keeps events until later may also set ``packed_steps = True`` and take
    ``TaskStateChanged`` events as ``PackedSteps`` (their fields in one list), which
    spares the engine the garbage collector's work on every kept event.
    """

    def __init__(self, sinks: Iterable[Sink] = ()) -> None:
        self._workers: list[_SinkWorker] = []
        self._puts: tuple[Callable[[Any], None], ...] = ()
        self._step_puts: tuple[Callable[[Any], None], ...] = ()
        self._lock = threading.Lock()
        for sink in sinks:
            self.add_sink(sink)

    def add_sink(self, sink: Sink) -> None:
        with self._lock:
            self._set_workers(
                [*self._workers, _SinkWorker(sink, getattr(sink, "__name__", type(sink).__name__))]
            )

    def _set_workers(self, workers: list[_SinkWorker]) -> None:
        """Swap in a new worker list; ``emit`` reads the bound ``put``s without the lock."""
        self._workers = workers
        self._puts = tuple(w.put for w in workers)
        self._step_puts = tuple(w.put_step for w in workers)

    def emit(self, event: Event) -> None:
        for put in self._puts:
            put(event)

    def emit_step(self, event: TaskStateChanged) -> None:
        """``emit`` for a ``TaskStateChanged``, the engine's hot path (two per attempt).

        For a ``packed_steps`` sink this is one C call, with no Python frame: that took
        about a point off the history's cost to a 5,000-task run (one core: ×1.069 and
        ×1.070 before, ×1.057 after).
        """
        for put in self._step_puts:
            put(event)

    def flush(self, timeout: float | None = 10.0) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in self._workers:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not worker.flush(left):
                return False
        return True

    def close(self, timeout: float = 5.0) -> None:
        with self._lock:
            workers = self._workers
            self._set_workers([])
        for worker in workers:
            worker.close(timeout)
