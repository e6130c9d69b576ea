"""Events from four sink threads through the TUI's event path: nothing lost, nothing reordered.

The table is only as truthful as the path from the engine's sink threads to the view
model: ``EventBuffer`` (appended by sink threads, drained by the app's frame timer at
most ``FLUSH_LIMIT`` at a time) and ``RunStore.apply_batch``. Several producer threads
play several runners' sinks, each delivering its runs' events in engine order in batches
of the sink's sizes; the main thread drains like the app's timer does. Losing, duplicating
or reordering a single event leaves some task in a wrong final state or attempt count.
The suite pushes 200,000 events: about 450 hand-overs from four threads (four in five
small, so that as many race the drains as a million made in hand-overs of 1 to 4,096
events), over runs of up to 5,000 tasks. The million the README states goes through the
same check in ``tests/benchmarks/bench_events.py`` (``run_all.py``): five times the
events, not another property, for 8 s of the suite's CPU.
A real engine run then checks the same path against ``RunResult``.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from flowtop.engine import Flow, Runner, task
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FLUSH_LIMIT
from flowtop.tui.event_buffer import EventBuffer
from flowtop.tui.run_store import RunStore

S = StateType
TOTAL = 200_000  # the suite's; bench_events.py pushes a million
PRODUCERS = 4
SINK_BATCH = 4096  # the engine's sink worker hands over at most this many at once
SMALL_BATCH = 64  # four hand-overs in five are at most this: more of them race the drains
ERROR = ErrorInfo("ConnectionError", "reset [by] peer", "Traceback …")


@dataclass
class Truth:
    """What the engine decided for one run: each task's final state and attempt count."""

    run_id: str
    flow: str
    final: dict[str, tuple[StateType, int]] = field(default_factory=dict)
    state: StateType = S.COMPLETED


def task_events(run: Truth, key: str, rng: random.Random) -> list[TaskStateChanged]:
    """One task's life: attempts that fail and wait, then COMPLETED or FAILED."""
    attempts = rng.choice((1, 1, 1, 2, 3, 4))
    fails = rng.random() < 0.1
    out = []
    for n in range(1, attempts + 1):
        out.append(TaskStateChanged(run.run_id, run.flow, key, S.RUNNING, n, 4, float(n)))
        if n < attempts:
            out.append(
                TaskStateChanged(
                    run.run_id,
                    run.flow,
                    key,
                    S.AWAITING_RETRY,
                    n,
                    4,
                    n + 0.5,
                    retry_in=0.1,
                    error=ERROR,
                    duration=0.01,
                )
            )
    final = S.FAILED if fails else S.COMPLETED
    out.append(
        TaskStateChanged(
            run.run_id,
            run.flow,
            key,
            final,
            attempts,
            4,
            attempts + 0.9,
            error=ERROR if fails else None,
            result=None if fails else repr(key),
            duration=0.01,
        )
    )
    run.final[key] = (final, attempts)
    return out


def make_run(producer: int, index: int, tasks: int, rng: random.Random) -> tuple[Truth, list]:
    """A run's events in an order a concurrent engine could emit: tasks interleaved, each
    task's own events in order."""
    run = Truth(f"p{producer}-r{index}", f"flow-{index}")  # one flow per run: all stay shown
    keys = [f"t{i}" for i in range(tasks)]
    lives = [task_events(run, key, rng) for key in keys]
    events: list = [
        RunStarted(run.run_id, run.flow, index + 1, tuple(keys), (4,) * tasks, ("",) * tasks)
    ]
    cursors = [0] * tasks
    live = list(range(tasks))
    while live:
        slot = rng.randrange(len(live))
        i = live[slot]
        events.append(lives[i][cursors[i]])
        cursors[i] += 1
        if cursors[i] == len(lives[i]):
            live[slot] = live[-1]
            live.pop()
    counts = Counter(state.value for state, _ in run.final.values())
    run.state = S.FAILED if counts.get("FAILED") else S.COMPLETED
    events.append(RunFinished(run.run_id, run.flow, index + 1, run.state, dict(counts), 1.0))
    return run, events


def produce_all(seed: int, wanted: int) -> tuple[list[Truth], list[list]]:
    """Per producer, a stream of runs totalling ``wanted`` events across producers."""
    rng = random.Random(seed)
    truths: list[Truth] = []
    streams: list[list] = [[] for _ in range(PRODUCERS)]
    total = 0
    index = 0
    while total < wanted:
        producer = index % PRODUCERS
        tasks = min(rng.choice((50, 500, 5_000)), max(1, (wanted - total) // 3))
        run, events = make_run(producer, index, tasks, rng)
        room = wanted - total
        if len(events) > room:  # trim the last run's tail: exactly ``wanted`` events in all
            events = events[:room]
            run.final = {}
        truths.append(run)
        streams[producer].extend(events)
        total += len(events)
        index += 1
    return truths, streams


@dataclass
class Pushed:
    """What one push through the event path took: events, hand-overs, drains."""

    events: int
    hand_overs: int
    drains: int


def push_through_the_tui_path(total: int, seed: int) -> Pushed:
    """``total`` events from ``PRODUCERS`` sink threads through ``EventBuffer`` into a
    ``RunStore``, drained as the app's frame timer does; asserts that every task's final
    state and attempt count, and every finished run's counts, are what the engine decided."""
    truths, streams = produce_all(seed, total)
    assert sum(map(len, streams)) == total
    buffer = EventBuffer()
    wakes = []
    buffer.wake = lambda: wakes.append(1)
    store = RunStore()
    start = threading.Barrier(PRODUCERS + 1)
    hand_overs = [0] * PRODUCERS

    def sink_thread(events: list, producer: int) -> None:
        rng = random.Random(seed * PRODUCERS + producer)
        start.wait()
        i = 0
        while i < len(events):
            size = rng.randint(1, SINK_BATCH if rng.random() < 0.2 else SMALL_BATCH)
            buffer.append_batch(events[i : i + size])
            hand_overs[producer] += 1
            i += size

    threads = [
        threading.Thread(target=sink_thread, args=(stream, p), name=f"test-sink-{p}")
        for p, stream in enumerate(streams)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    drains = folded = 0
    while any(t.is_alive() for t in threads) or len(buffer):
        events = buffer.drain(FLUSH_LIMIT)  # one frame's worth, as FlowtopApp._flush does
        assert len(events) <= FLUSH_LIMIT
        drains += 1
        folded += len(events)
        store.apply_batch(events)
    for thread in threads:
        thread.join()

    assert folded == buffer.received == total
    assert len(wakes) <= drains + 1  # one wake-up per emptied buffer, never one per event
    assert len(store.runs) == len(truths)
    for truth in truths:
        model = store.runs[truth.run_id]
        for key, (state, attempts) in truth.final.items():
            row = model.rows[key]
            assert (row.state, row.attempt) == (state, attempts), (truth.run_id, key)
            assert [a.number for a in row.attempts] == list(range(1, attempts + 1))
        if truth.final:  # a complete run: finished, and its counts add up
            assert model.state is truth.state
            assert model.counts == Counter(state for state, _ in truth.final.values())
    assert all(t.final for t in truths[:-1])
    return Pushed(total, sum(hand_overs), drains)


def test_events_from_four_sinks_reach_the_model_exactly() -> None:
    pushed = push_through_the_tui_path(TOTAL, seed=6)
    assert pushed.hand_overs > 400  # as many as a million made in hand-overs of 1 to 4,096


def test_a_real_engine_run_of_20k_tasks_matches_run_result() -> None:
    calls: Counter[int] = Counter()
    lock = threading.Lock()

    @task(max_retries=2, retry_delay=0, retry_on=[ConnectionError])
    def work(i: int) -> int:
        with lock:
            calls[i] += 1
            n = calls[i]
        if i % 97 == 0 or (i % 5 == 0 and n == 1) or (i % 11 == 0 and n < 3):
            raise ConnectionError(f"item {i} [attempt {n}]")
        return i

    @task
    def after(x: int) -> int:
        return x + 1

    with Flow("stress") as flow:
        for i in range(10_000):
            after(work(i))

    buffer = EventBuffer()
    store = RunStore()
    runner = Runner(8, sinks=[buffer.append_batch])
    try:
        handle = runner.start(flow)
        while not handle.done or len(buffer):
            store.apply_batch(buffer.drain(FLUSH_LIMIT))
            if not len(buffer):
                handle.wait(0.01)  # the app's next frame
        result = handle.result()
        assert runner.bus.flush(30.0)
        store.apply_batch(buffer.drain())
    finally:
        runner.shutdown()

    model = store.runs[result.run_id]
    engine = {key: (state.type, state.attempt) for key, state in result.states.items()}
    shown = {key: (row.state, row.attempt) for key, row in model.rows.items()}
    assert shown == engine
    assert model.state is result.state is S.FAILED
    kinds = Counter(state for state, _ in engine.values())
    assert kinds[S.FAILED] == 104 and kinds[S.UPSTREAM_FAILED] == 104  # i % 97 == 0
    assert max(attempts for _, attempts in engine.values()) == 3  # retries really happened
    assert {k: v for k, v in model.counts.items() if v} == kinds
