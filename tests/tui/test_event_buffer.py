"""The hand-off buffer between the engine's sink thread and the UI's frame timer."""

from __future__ import annotations

import threading

from flowtop.tui.event_buffer import EventBuffer


def test_drain_keeps_order_across_batches_and_honours_the_limit() -> None:
    buffer = EventBuffer()
    buffer.append_batch([1, 2, 3])
    buffer.append_batch([])
    buffer.append_batch([4, 5])
    assert len(buffer) == 5
    assert buffer.drain(2) == [1, 2]
    assert buffer.drain(2) == [3, 4]  # a batch is split where the limit falls
    assert len(buffer) == 1
    assert buffer.drain() == [5]
    assert buffer.drain() == [] and len(buffer) == 0
    assert buffer.received == 5


def test_concurrent_producers_lose_nothing_and_keep_each_producers_order() -> None:
    buffer = EventBuffer()
    producers = 4
    per = 2_000

    def produce(p: int) -> None:
        for i in range(0, per, 10):
            buffer.append_batch([(p, j) for j in range(i, i + 10)])

    threads = [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    drained: list[tuple[int, int]] = []
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads) or len(buffer):
        drained.extend(buffer.drain(333))
    for thread in threads:
        thread.join()
    drained.extend(buffer.drain())
    assert len(drained) == producers * per
    for p in range(producers):
        assert [j for q, j in drained if q == p] == list(range(per))


def test_the_buffer_is_a_sink() -> None:
    buffer = EventBuffer()
    buffer(["event"])  # the engine calls sinks with a list
    assert buffer.drain() == ["event"]
