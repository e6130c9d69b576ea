"""An ``async def`` attempt that awaits in its cancel handler gets to finish it (a little).

Past its timeout (or in a cancelled run) an async attempt's coroutine is cancelled, and
its ``except CancelledError:`` may await a cleanup before it prints. The run ends without
waiting for it, as it should; but the runner's shutdown (``flowtop run`` exiting, a
``@flow`` call returning) cancelled everything on the loop again, and stopped it: the
cleanup was cut short at its ``await`` and its print never came. Now the loop's last
runner lets what it cancels end, for at most ``aloop.GRACE`` seconds, and a coroutine
cancelled already is not cancelled again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop import Flow, StateType, task
from flowtop.engine import Runner, aloop
from flowtop.engine.timer import ManualClock


def cleans_up(inside: threading.Event, handling: threading.Event, **options: Any) -> Any:
    @task(**options)
    async def fetch() -> None:
        inside.set()
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            handling.set()
            await asyncio.sleep(0.2)  # a cleanup that awaits
            print("cleaned up")
            raise

    return fetch


def test_a_timed_out_attempt_s_cleanup_ends_before_the_runner_s_shutdown_returns(
    capfd: pytest.CaptureFixture[str],
) -> None:
    inside, handling = threading.Event(), threading.Event()
    graph = Flow("cleanup-timeout")
    graph.add_task(cleans_up(inside, handling, timeout=0.05))
    clock = ManualClock()
    runner = Runner(2, clock=clock)
    try:
        run = runner.start(graph)
        assert inside.wait(5)
        clock.advance(0.05)
        assert run.result(timeout=5)["fetch"].type is StateType.FAILED
        assert handling.wait(5)  # cancelled by its time limit, awaiting in its handler
    finally:
        runner.shutdown()
    assert "cleaned up\n" in capfd.readouterr().out


def test_a_cancelled_run_s_attempt_cleans_up_as_the_runner_shuts_down(
    capfd: pytest.CaptureFixture[str],
) -> None:
    inside, handling = threading.Event(), threading.Event()
    graph = Flow("cleanup-cancel")
    graph.add_task(cleans_up(inside, handling))
    runner = Runner(2)
    try:
        run = runner.start(graph)
        assert inside.wait(5)
        assert run.cancel()
    finally:
        runner.shutdown()  # cancels what still runs on the loop, then lets it end
    assert handling.is_set()
    assert "cleaned up\n" in capfd.readouterr().out


def test_a_cleanup_that_never_ends_holds_the_shutdown_no_longer_than_the_grace(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(aloop, "GRACE", 0.05)
    inside = threading.Event()

    @task
    async def stubborn() -> None:
        inside.set()
        while True:
            with contextlib.suppress(asyncio.CancelledError):  # it will not stop
                await asyncio.sleep(30)

    graph = Flow("stubborn")
    graph.add_task(stubborn)
    runner = Runner(2)
    runner.start(graph)
    assert inside.wait(5)
    runner.shutdown()
    loops = [t for t in threading.enumerate() if t.name == "flowtop-async-loop"]
    assert loops == []  # stopped at the grace: the thread ended, shutdown returned


LATE = """
    import asyncio
    from flowtop import flow, task


    @task(timeout_seconds=0.2)
    async def slow():
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            await asyncio.sleep(0.1)
            print("cleaned up late")
            raise


    @flow
    def late():
        slow()
"""


def test_flowtop_run_shows_what_a_timed_out_async_task_prints_after_awaiting(
    tmp_path: Path,
) -> None:
    (tmp_path / "late.py").write_text(textwrap.dedent(LATE))
    done = fork_cli.run(
        ["run", "late.py", "--no-history"],
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    assert done.returncode == 1, done.stderr
    assert "late #1 FAILED" in done.stdout
    assert done.stdout.splitlines()[-1] == "cleaned up late", done.stdout
