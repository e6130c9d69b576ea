"""Shared helpers for the engine tests: a recording sink and a runner that always shuts down.

Every runner made here gets a fixed ``rng`` so jitter is reproducible, and is shut down
at teardown so no worker, timer or sink thread outlives its test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flowtop.engine import Runner, child_files
from flowtop.engine.attempt_output import AttemptOutput

from .kit import Recorder


def _flowtop_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("flowtop-")]


@pytest.fixture(autouse=True)
def no_thread_outlives_its_test() -> Iterator[None]:
    """Every worker, timer and sink thread a test starts must be gone when it ends."""
    before = set(_flowtop_threads())
    yield
    deadline = time.monotonic() + 3
    while (left := set(_flowtop_threads()) - before) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not left, f"threads still running after the test: {sorted(left)}"


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def make_runner() -> Iterator:
    """Build runners (fixed jitter rng) that are all shut down after the test."""
    made: list[Runner] = []

    def make(workers: int = 4, *, sinks: tuple = (), **kwargs: object) -> Runner:
        kwargs.setdefault("rng", lambda: 0.5)
        runner = Runner(workers, sinks=sinks, **kwargs)  # type: ignore[arg-type]
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown()


@pytest.fixture
def runner(make_runner, recorder: Recorder) -> Runner:
    return make_runner(4, sinks=(recorder,))


@pytest.fixture
def release(make_runner) -> Iterator[threading.Event]:
    """Set at teardown, before the runners shut down: user code a test holds stuck (a
    predicate, a hook, a flow's name) waits on it."""
    event = threading.Event()
    yield event
    event.set()


@pytest.fixture
def launched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[[Callable[[], AttemptOutput | None]], None]:
    """As ``child_files.install`` in a launched run, child files made in ``tmp_path``, with
    no ``Popen`` wrapped: ``set_here(buffer_here)`` says which output this thread's is."""
    monkeypatch.setattr(child_files, "_folder", str(tmp_path))
    monkeypatch.setattr(child_files, "_files", {})

    def set_here(buffer_here: Callable[[], AttemptOutput | None]) -> None:
        monkeypatch.setattr(child_files, "_buffer_here", buffer_here)

    return set_here
