"""``EventBus.close`` at a run's end: a sink that is slow gets every event, however long it
takes; only one stuck (no delivery for the close's timeout), or one that says it gives
up (``Subscription.given_up``), is left behind, and close says how many events it lost.

Before, close waited ``timeout`` seconds in all for each sink, then left it: ``flowtop
run --json | (sleep 8; cat)`` got 610 of 20,002 lines and exited 0 (the printer's sink),
and a run store working through a long backlog lost its last events without a word.
"""

from __future__ import annotations

import threading
import time

from flowtop.engine.bus import EventBus, Subscription

#: How long these tests let a sink deliver nothing before close gives up on it (the
#: run command's bus waits 5 s).
STALL = 0.3


def test_a_sink_that_says_when_to_give_up_is_waited_for_past_the_timeout() -> None:
    """A printer whose pipe's reader does not read for longer than the timeout (``| (sleep
    8; cat)``) still writes everything: close waits until the sink has it all."""
    reading = threading.Event()
    got: list[int] = []

    def slow_reader_sink(events: list[int]) -> None:
        reading.wait()  # the write blocks until the reader reads
        got.extend(events)

    bus = EventBus([Subscription(slow_reader_sink, given_up=lambda: False)])  # type: ignore[arg-type]
    for number in range(100):
        bus.emit(number)  # type: ignore[arg-type]
    left: list[object] = []
    closer = threading.Thread(target=lambda: left.extend(bus.close(STALL)))
    closer.start()
    closer.join(4 * STALL)  # the reader sleeps well past the timeout before it reads
    try:
        assert closer.is_alive(), "close gave up on a sink that never said it gives up"
    finally:
        reading.set()
        closer.join(10)
    assert not closer.is_alive()
    assert got == list(range(100)) and left == []


def test_a_slow_sink_working_through_a_backlog_gets_all_of_it() -> None:
    """A sink that takes longer in all than the timeout, but keeps delivering (a run store
    writing the last thousands of a big run's events), is not cut off halfway."""
    batches: list[int] = []

    def slow_sink(events: list[int]) -> None:
        time.sleep(STALL / 4)  # each batch well within the timeout; all of them past it
        batches.append(len(events))

    bus = EventBus([slow_sink])  # type: ignore[list-item]
    total = 12 * 4096  # twelve batches of the most one delivery hands over
    for number in range(total):
        bus.emit(number)  # type: ignore[arg-type]
    began = time.monotonic()
    left = bus.close(STALL)
    assert sum(batches) == total, "close left the sink halfway through its backlog"
    assert left == []
    assert time.monotonic() - began > STALL  # (the case this test is about)


def test_a_stuck_sink_is_given_up_on_with_the_events_it_did_not_get() -> None:
    """A sink stuck for ever in user code (a result whose pickling never returns) must
    not hold the process: left after ``timeout`` without a delivery, and counted: the
    batch it holds and everything queued behind it."""
    entered = threading.Event()
    never = threading.Event()
    held: list[int] = []

    def stuck_sink(events: list[int]) -> None:
        held.append(len(events))
        entered.set()
        never.wait()

    bus = EventBus([stuck_sink])  # type: ignore[list-item]
    try:
        for number in range(10):
            bus.emit(number)  # type: ignore[arg-type]
        assert entered.wait(10)
        for number in range(5):
            bus.emit(number)  # type: ignore[arg-type]
        began = time.monotonic()
        left = bus.close(STALL)
        assert time.monotonic() - began < STALL + 2
        assert left == [(stuck_sink, held[0] + 5)]
    finally:
        never.set()


def test_a_sink_that_gives_up_is_left_with_its_count() -> None:
    """``given_up`` (a stopped ``flowtop run`` whose reader does not read) ends the wait
    at once, whatever the timeout, and close says what that sink did not write."""
    entered = threading.Event()
    release = threading.Event()
    stopped = threading.Event()
    held: list[int] = []

    def blocked_sink(events: list[int]) -> None:
        held.append(len(events))
        entered.set()
        release.wait()

    bus = EventBus([Subscription(blocked_sink, given_up=stopped.is_set)])  # type: ignore[arg-type]
    try:
        for number in range(3):
            bus.emit(number)  # type: ignore[arg-type]
        assert entered.wait(10)
        bus.emit(3)  # type: ignore[arg-type]
        stopped.set()
        began = time.monotonic()
        left = bus.close(timeout=60)
        assert time.monotonic() - began < 5
        assert left == [(blocked_sink, held[0] + 1)]
    finally:
        release.set()
