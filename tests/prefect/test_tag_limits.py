"""Prefect's tag-based concurrency limits: ``"tag:db" = 2`` in ``[concurrency]`` lets two
attempts of tasks tagged ``db`` run at once, as ``prefect concurrency-limit create db 2``
does (a global limit named ``tag:db`` since Prefect 3.4.19)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.kit import Recorder
from flowtop import Flow, flow, tags, task
from flowtop.engine import Runner, StateType
from flowtop.engine.timer import ManualClock
from waits import wait_until


class Overlap:
    """How many calls were inside at once, at most."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.now = self.most = 0

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # a script's flow.run() uses the folder it runs in
    (tmp_path / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 2\n')
    return tmp_path


def held_for(seconds: float, overlap: Overlap) -> None:
    overlap.enter()
    time.sleep(seconds)
    overlap.leave()


def most_at_once(
    count: int, workers: int, seconds: float, before: Callable[[], None] = lambda: None
) -> int:
    """How many of ``count`` tasks tagged ``db``, each holding on ``seconds`` (after
    ``before``), ran at once in one run of a pool of ``workers``."""
    overlap = Overlap()

    @task(tags=["db"])
    def query(i: int) -> int:
        before()
        held_for(seconds, overlap)
        return i

    with Flow("report") as report:
        for i in range(count):
            query(i)
    with Runner(workers=workers) as runner:
        assert runner.run(report).is_completed()
    return overlap.most


def test_a_tag_limit_holds_the_attempts_of_every_task_with_the_tag(here: Path) -> None:
    tagged, other = Overlap(), Overlap()

    @task(tags=["db", "nightly"])  # "nightly" has no limit: it limits nothing
    def query(i: int) -> int:
        held_for(0.05, tagged)
        return i

    @task
    def compute(i: int) -> int:
        held_for(0.05, other)
        return i

    with Flow("report") as report:
        for i in range(6):
            query(i)
            compute(i)
    with Runner(workers=16) as runner:  # a thread for every task: waiting ones hold theirs
        result = runner.run(report)
    assert result.is_completed()
    assert tagged.most == 2 and other.most > 2
    # a tag with no limit is not mentioned, unlike a `with concurrency("x")` block's
    assert all(not a.output for attempts in result.attempts.values() for a in attempts)


def test_without_the_limit_tagged_tasks_run_as_wide_as_the_pool(here: Path) -> None:
    (here / "flowtop.toml").write_text("")
    assert most_at_once(6, workers=8, seconds=0.05) > 2


def test_a_task_waiting_for_its_retry_holds_no_slot(here: Path) -> None:
    """On a manual clock: ``steady`` runs while ``flaky`` waits, and the wait ends only
    after it (no real sleep raced against a real retry delay)."""
    (here / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')
    order: list[str] = []
    flaky_waits = threading.Event()

    @task(tags=["db"], retries=1, retry_delay_seconds=0.3)
    def flaky() -> str:
        order.append("flaky")
        if order.count("flaky") == 1:
            raise ConnectionError("reset")
        return "ok"

    @task
    def gate() -> None:
        assert flaky_waits.wait(10), "flaky's first attempt never came to wait for its retry"

    @task(tags=["db"])
    def steady(_: None) -> str:
        order.append("steady")
        return "ok"

    with Flow("report") as report:
        flaky()
        steady(gate())
    events, clock = Recorder(), ManualClock()
    with Runner(workers=4, sinks=[events], clock=clock) as runner:
        run = runner.start(report)
        wait_until(lambda: events.of("flaky", StateType.AWAITING_RETRY), "flaky's retry wait")
        assert [e.retry_in for e in events.of("flaky", StateType.AWAITING_RETRY)] == [0.3]
        flaky_waits.set()
        # (had flaky kept its slot through its wait, steady would wait for it: a timeout)
        wait_until(lambda: events.of("steady", StateType.COMPLETED), "steady, while flaky waits")
        clock.advance(0.3)
        assert run.final_result(timeout=10).is_completed()
    assert order == ["flaky", "steady", "flaky"]


def test_tags_in_effect_where_a_flow_calls_a_task_count_and_async_tasks_wait_too(
    here: Path,
) -> None:
    (here / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')
    overlap = Overlap()

    @task
    async def aquery(i: int) -> int:
        overlap.enter()
        await asyncio.sleep(0.03)
        overlap.leave()
        return i

    @task
    def squery(i: int) -> int:
        held_for(0.03, overlap)
        return i

    @flow
    async def report() -> list[int]:
        with tags("db"):
            futures = [aquery.submit(i) for i in range(3)] + [squery.submit(i) for i in range(3)]
        return [f.result() for f in futures]

    with Runner(workers=8) as runner:
        assert runner.run(report).value == [0, 1, 2, 0, 1, 2]
    assert overlap.most == 1


def test_a_task_waiting_for_a_slot_is_pending_and_holds_no_worker(here: Path) -> None:
    """Twenty quick untagged tasks behind twenty tagged ones on two workers: waiting
    inside an attempt held a worker per waiting task, and kept them waiting seconds.
    The tagged task holding the slot runs until all quick ones are done: a waiting one
    holding the other worker would keep them waiting for good (no race against time)."""
    (here / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')
    release = threading.Event()
    quick_done: list[int] = []

    @task(tags=["db"])
    def load(i: int) -> int:
        assert release.wait(20), "never released"
        return i

    @task
    def quick(i: int) -> int:
        quick_done.append(i)
        return i

    with Flow("report") as report:
        for i in range(5):
            load(i)
        for i in range(20):
            quick(i)

    def loads(state: StateType, run: Any) -> int:
        states = run.snapshot().states
        return sum(1 for key, s in states.items() if key.startswith("load") and s.type is state)

    with Runner(workers=2) as runner:
        run = runner.start(report)
        try:
            wait_until(lambda: loads(StateType.RUNNING, run) == 1, "a load holding the slot")
            wait_until(lambda: len(quick_done) == 20, "the quick tasks, while a load runs")
            assert loads(StateType.RUNNING, run) == 1
            assert loads(StateType.PENDING, run) == 4  # waiting for the slot, not begun
        finally:
            release.set()
        assert run.result(timeout=20).is_completed()


def test_the_wait_counts_in_neither_the_attempt_s_time_nor_its_timeout(here: Path) -> None:
    (here / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')

    @task(tags=["db"], timeout_seconds=0.8)
    def load(i: int) -> int:
        time.sleep(0.3)
        return i

    with Flow("report") as report:
        for i in range(4):
            load(i)  # 1.2 s in all, one at a time: the last waits 0.9 s, past its 0.8 s
    with Runner(workers=4) as runner:
        result = runner.run(report)
    assert result.is_completed()
    durations = [a.duration for attempts in result.attempts.values() for a in attempts]
    # counted with its wait the last would read 1.2 s; room left for a loaded machine
    assert len(durations) == 4 and max(durations) < 1.0


def test_cancelling_a_run_ends_its_tasks_waiting_for_slots(here: Path) -> None:
    (here / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')

    began: list[int] = []

    @task(tags=["db"])
    def load(i: int) -> int:
        began.append(i)
        time.sleep(0.3)
        return i

    with Flow("report") as report:
        for i in range(3):
            load(i)
    with Runner(workers=4) as runner:
        run = runner.start(report)
        wait_until(lambda: began, "a load holding the slot")  # the others wait for it
        run.cancel()
        assert run.wait(5)
        assert run.final_state() is StateType.CANCELLED
    # the slots came back: a new run gets one (none went to the cancelled waiters)
    with Flow("again") as again:
        load(9)
    with Runner() as runner:
        run = runner.start(again)
        assert run.result(timeout=10).is_completed()  # (a slot never given back: a hang)
    assert began == [began[0], 9]


def test_a_flowtop_toml_broken_mid_run_keeps_the_tag_limits_last_read(
    here: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (here / "flowtop.toml").write_text('[concurrency]\n"tag:db" = 1\n')
    broke: list[bool] = []

    def break_it_once() -> None:
        if not broke:  # the first to run: the others wait, and read the file again
            broke.append(True)
            (here / "flowtop.toml").write_text("[concurrency\n")  # saved half-typed

    assert most_at_once(4, workers=4, seconds=0.15, before=break_it_once) == 1
    said = [r.getMessage() for r in caplog.records if "tag limits kept" in r.getMessage()]
    assert len(said) == 1 and "flowtop.toml" in said[0]  # said once, with the file


def test_a_tagged_task_s_traceback_starts_in_the_task(here: Path) -> None:
    @task(tags=["db"])
    def broken() -> None:
        raise ValueError("no such table")

    with Flow("report") as report:
        broken()
    with Runner() as runner:
        result = runner.run(report)
    (attempt,) = result.attempts["broken"]
    assert attempt.error is not None
    frames = [line for line in attempt.error.traceback.splitlines() if "File " in line]
    assert len(frames) == 1 and "test_tag_limits.py" in frames[0], frames
