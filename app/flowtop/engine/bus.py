"""The bus that hands engine events to any number of sinks, each on its own thread.

The engine only ever appends to a queue; each sink drains its own queue on its own
thread, in batches. So a slow sink (a terminal, a database) never slows a run, and one
sink never delays another. Events of a run are emitted under that run's lock, so every
sink sees them in the order the engine decided them.

Delivery never looks inside an event: the event types (``events``) are named here for
the checker only.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .call_guard import engine_code

if TYPE_CHECKING:
    from .events import Event, Sink

#: The logger keeps the name it had when delivery lived in ``events``: a logging setup
#: that names it keeps working.
log = logging.getLogger("flowtop.events")

#: How long a sink thread lets events pile up after a wake-up before it delivers them,
#: unless the sink was added with its own ``batch_window`` (see ``EventBus.add_sink``).
BATCH_WINDOW = 0.005


@dataclass(frozen=True, slots=True)
class Subscription:
    """A sink with its options, for ``EventBus(sinks=...)`` and ``Runner(sinks=...)``.

    ``batch_window``: how long the sink's thread lets events pile up after a wake-up
    before it delivers them. A sink that writes in bulk anyway, like the run history,
    takes a long one, so its thread wakes a few times a second during a burst instead
    of 200 times. Calling a subscription calls its sink.

    ``before_output``: the sink prints to the terminal a ``@flow`` body prints to (the
    printers of ``flowtop run``). Before each line the body writes, what the sink holds
    is delivered, then ``before_output()`` is called (``EventBus.catch_up``): the body's
    line never overtakes the lines of what happened before it (the run starting, the
    task it just waited for), and the human printer takes its live status line away.

    ``wants``: the events the sink takes, when not all (asked on the emitting thread, so
    keep it cheap). The others are never queued and never wake its thread: ``flowtop run
    --quiet`` into a log, as every run started from the TUI is, prints a line for few
    steps, and handing it the rest cost a 5,000-task run about 8% of its time.

    ``given_up``: whether the bus's close need wait no longer for the sink (asked every
    50 ms while it waits): a stopped ``flowtop run`` whose stdout's reader stopped
    reading, the sink's thread stuck in a write that may never return. A sink that has
    one is waited for until it has every event or says so, however long that takes: a
    pipe's reader that reads slowly (``| jq``, ``| ssh``) gets every line. One without
    is given up on once it delivers nothing for the close's timeout (``EventBus.close``).
    """

    sink: Sink
    batch_window: float = BATCH_WINDOW
    before_output: Callable[[], object] | None = None
    wants: Callable[[Event], bool] | None = None
    given_up: Callable[[], bool] | None = None

    def __call__(self, events: list[Event]) -> None:
        self.sink(events)


class _SinkWorker:
    """One sink's queue and thread. Delivers batches in emit order.

    ``flush`` enqueues a marker (a ``threading.Event``) and waits for the thread to reach
    it, so "everything emitted before flush was delivered" holds without counters.
    A flush also cuts the current batch window short (``hurried``).
    """

    def __init__(
        self,
        sink: Sink,
        name: str,
        window: float,
        before_output: Callable[[], object] | None,
        wants: Callable[[Event], bool] | None = None,
        given_up: Callable[[], bool] | None = None,
    ) -> None:
        self.sink = sink
        self.window = window
        self.before_output = before_output
        self.wants = wants
        self.given_up = given_up
        #: Held while delivering: this thread and a ``catch_up`` take turns, in order.
        self.delivering = threading.Lock()
        self.queue: deque[Any] = deque()
        self.wakeup = threading.Event()
        self.hurried = threading.Event()
        self.signalled = False
        self.closed = False
        #: Events of the batch the sink is being handed (0 between batches), and when the
        #: last batch was handed over (monotonic): how ``close`` tells stuck from slow.
        self.in_flight = 0
        self.delivered_at = time.monotonic()
        self.thread = threading.Thread(target=self._loop, name=f"flowtop-sink-{name}", daemon=True)
        self.thread.start()

    def put(self, event: Any) -> None:
        self.queue.append(event)
        if not self.signalled:  # a plain flag: Event.is_set() per event cost the engine ~1 µs
            self.signalled = True
            self.wakeup.set()

    def put_if_wanted(self, event: Any) -> None:
        """``put``, for a sink that takes only the events its ``wants`` says."""
        assert self.wants is not None
        try:
            wanted = self.wants(event)
        except Exception:  # runs on the emitting thread: a broken filter must not stop a run
            log.exception("event filter of sink %r failed; the event is delivered", self.sink)
            wanted = True
        if wanted:
            self.put(event)

    def _loop(self) -> None:
        queue = self.queue
        while True:
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
            with self.delivering:
                self.deliver()
            if self.closed and not queue:
                return

    def deliver(self) -> None:
        """Hand over what is queued, in batches of at most 4,096 events, up to each marker
        (holding ``delivering``; never raises: a sink's error is logged)."""
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
            if batch:
                self.in_flight = len(batch)
                try:
                    self.sink(batch)
                except Exception:  # a broken consumer must not stop the others
                    log.exception("event sink %r failed", self.sink)
                self.in_flight = 0
                self.delivered_at = time.monotonic()
            for marker in markers:
                marker.set()

    def _marker(self) -> threading.Event:
        """A marker queued after everything so far, set once the thread reaches it."""
        marker = threading.Event()
        self.put(marker)
        self.hurried.set()
        return marker

    def flush(self, timeout: float | None) -> bool:
        """Whether everything queued before the call was delivered within ``timeout``."""
        return not self.thread.is_alive() or self._marker().wait(timeout)

    def close(self, timeout: float) -> int:
        """Deliver what is queued, end the thread, and return how many events the sink
        did not get: 0 unless it was given up on.

        The wait has no deadline: a sink working through a long backlog (a run store's
        last thousands of events, a pipe whose reader reads slowly) gets all of it. A
        sink that says when to stop waiting (``Subscription.given_up``) is waited for
        until it says so; any other is given up on once it has delivered nothing for
        ``timeout`` seconds, stuck for ever in user code, say (a result whose pickling
        never returns). A sink given up on is not joined: its thread (a daemon) may be
        stuck in a call that never returns."""
        delivered = self._drained(timeout)
        self.closed = True
        self.wakeup.set()
        if delivered:  # the thread ends at once now
            self.thread.join(timeout)
            return 0
        return self.undelivered()

    def _drained(self, timeout: float) -> bool:
        """Whether everything queued was delivered before the sink was given up on."""
        if not self.thread.is_alive():
            return True
        marker = self._marker()
        began = time.monotonic()
        given_up = self.given_up or (
            lambda: time.monotonic() - max(began, self.delivered_at) >= timeout
        )
        while not marker.wait(0.05):
            if given_up():
                return False
        return True

    def undelivered(self) -> int:
        """Events queued or being handed to the sink: the sink's thread is stuck in it,
        and what it was handed may not be written whole."""
        queued = self.queue.copy()  # (one step in C: no put lands halfway through)
        return self.in_flight + sum(not isinstance(item, threading.Event) for item in queued)


class EventBus:
    """Fan-out of engine events to sinks, each on its own thread.

    A sink is a callable taking a list of events (a batch). ``flush`` waits until every
    sink has seen everything emitted so far, which is what tests and the CLI need.
    A sink's options are arguments: ``add_sink(sink, batch_window=...)``, or a
    ``Subscription`` among ``sinks``. ``flush`` delivers at once whatever the window.
    """

    def __init__(self, sinks: Iterable[Sink | Subscription] = ()) -> None:
        self._workers: list[_SinkWorker] = []
        self._puts: tuple[Callable[[Any], None], ...] = ()
        #: Whether any sink listens: a run builds no event while none does.
        self.has_sinks = False
        self._lock = threading.Lock()
        self._emit_lock = threading.Lock()
        for sink in sinks:
            if isinstance(sink, Subscription):
                self.add_sink(
                    sink.sink,
                    batch_window=sink.batch_window,
                    before_output=sink.before_output,
                    wants=sink.wants,
                    given_up=sink.given_up,
                )
            else:
                self.add_sink(sink)

    def add_sink(
        self,
        sink: Sink,
        *,
        batch_window: float = BATCH_WINDOW,
        before_output: Callable[[], object] | None = None,
        wants: Callable[[Event], bool] | None = None,
        given_up: Callable[[], bool] | None = None,
    ) -> None:
        """Deliver every event emitted from now on to ``sink`` (those ``wants`` says, when
        given), in batches gathered over ``batch_window`` seconds (default 5 ms, right
        for a screen); ``before_output``, ``wants`` and ``given_up``: see ``Subscription``."""
        if not (isinstance(batch_window, int | float) and 0 <= batch_window < math.inf):
            raise ValueError(f"add_sink: batch_window must be seconds >= 0, got {batch_window!r}")
        name = getattr(sink, "__name__", type(sink).__name__)
        with self._lock:
            worker = _SinkWorker(sink, name, float(batch_window), before_output, wants, given_up)
            self._set_workers([*self._workers, worker])

    def _set_workers(self, workers: list[_SinkWorker]) -> None:
        """Swap in a new worker list; ``emit`` reads the bound ``put``s without the lock."""
        self._workers = workers
        self._puts = tuple(w.put if w.wants is None else w.put_if_wanted for w in workers)
        self.has_sinks = bool(workers)

    def emit(self, event: Event) -> None:
        puts = self._puts
        if len(puts) == 1:
            puts[0](event)
            return
        # Several sinks get one order: two runs emitting at once (each under its own
        # lock) interleaved their events differently in each sink's queue.
        with self._emit_lock:
            for put in puts:
                put(event)

    def flush(self, timeout: float | None = 10.0) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for worker in self._workers:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not worker.flush(left):
                return False
        return True

    def catch_up(self) -> None:
        """Before a ``@flow`` body's line goes out: what the sinks with a ``before_output``
        hold is delivered, then it is called. On the calling thread (a hand-over to the
        sink's own cost a chatty body 0.1 ms a line), after any delivery in progress
        there; that is waited for at most half a second, so a stuck printer never holds
        up the body for long."""
        with engine_code():  # a body's print: an interrupt kept ``delivering`` (``call_guard``)
            self._catch_up()

    def _catch_up(self) -> None:
        for worker in self._workers:
            before = worker.before_output
            if before is not None and worker.delivering.acquire(timeout=0.5):
                try:
                    worker.deliver()
                    before()
                finally:
                    worker.delivering.release()

    def close(self, timeout: float = 5.0) -> list[tuple[Sink, int]]:
        """Deliver every event to every sink and stop their threads. A sink is waited
        for as long as it works through its events: one that says when to stop waiting
        (``Subscription.given_up``) until it says so, any other until it has delivered
        nothing for ``timeout`` seconds (``_SinkWorker.close``). Returns the sinks given
        up on, each with how many events it did not get: empty when all got everything."""
        with self._lock:
            workers = self._workers
            self._set_workers([])
        left = [(worker.sink, worker.close(timeout)) for worker in workers]
        return [(sink, count) for sink, count in left if count]
