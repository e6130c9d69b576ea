"""An async attempt still running when its runner stops leaves no capture open.

The runner's shutdown stops the async tasks' loop after cancelling what runs there; a
coroutine that awaited in its ``except CancelledError:`` never reached the callback that
closes its capture, which then stayed open for good: flowtop's handler stayed on the root
logger (``logging.basicConfig`` did nothing) and the buffer kept the whole run alive.
The scripts run in a process of their own, with no logging set up but their own.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

CHECK = """
import gc, logging, weakref
from flowtop.engine import capture
gc.collect()
print("open", len(capture._open))
print("handler", capture._handler in logging.getLogger().handlers)
print("run alive", runs[0]() is not None)
logging.basicConfig(level=logging.INFO, format="configured %(message)s")
logging.getLogger("etl").info("after the run")
"""


def run_script(source: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(source) + CHECK],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "configured after the run" in done.stderr  # basicConfig configured logging
    return done.stdout


def test_an_attempt_past_its_timeout_cleaning_up_on_cancel_leaves_no_capture_open() -> None:
    out = run_script(
        """
        import asyncio, weakref
        from flowtop import flow, task
        from flowtop.engine.context import current_run

        runs = []

        @task(timeout_seconds=0.2)
        async def stubborn():
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                await asyncio.sleep(30)  # cleanup still awaiting when the runner stops
                raise

        @flow
        def f():
            runs.append(weakref.ref(current_run()))
            try:
                stubborn()
            except Exception as exc:
                print("task failed:", type(exc).__name__)
            return 1

        assert f() == 1
        """
    )
    assert "task failed: TaskTimeout" in out
    assert "open 0\nhandler False\nrun alive False\n" in out


def test_an_async_task_submitted_by_a_timed_out_flow_leaves_no_capture_open() -> None:
    out = run_script(
        """
        import asyncio, threading, weakref
        from flowtop import flow, task
        from flowtop.engine.context import current_run

        runs = []
        body_may_end = threading.Event()

        @task
        async def slow():
            try:
                await asyncio.sleep(30)
            except asyncio.CancelledError:
                await asyncio.sleep(30)  # cleanup still awaiting when the runner stops
                raise

        @flow(timeout_seconds=0.3)
        def f():
            runs.append(weakref.ref(current_run()))
            slow.submit()
            body_may_end.wait(30)

        try:
            f()
        except BaseException as exc:
            print("flow:", type(exc).__name__)
        body_may_end.set()  # the body, past its flow's timeout, ends: its capture closes
        for thread in threading.enumerate():
            if thread.name.startswith("flowtop-flow-"):
                thread.join(30)
        """
    )
    assert "flow: FlowRunTimeoutError" in out
    assert "open 0\nhandler False\nrun alive False\n" in out
