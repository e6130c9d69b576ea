"""What ``import flowtop`` costs a process that never runs an ``async def`` task.

``asyncio`` was half of ``import flowtop``'s time (about 45 of 95 ms), paid by every
``flowtop`` command and run process. It is imported where a loop is made or used
(``engine/aloop.py``); these tests keep it that way and check async tasks still run in
a fresh interpreter.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"


def fresh(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": str(APP), "PATH": "/usr/bin:/bin"},
    )


def test_flowtop_and_its_run_command_import_no_asyncio() -> None:
    done = fresh(
        """
        import sys
        import flowtop, flowtop.commands.run, flowtop.workspace.workspace
        from flowtop import Flow, task

        @task
        def step():
            return 1

        flow = Flow("sync")
        flow.add_task(step)
        assert flow.run().is_completed()
        print("asyncio" in sys.modules)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_async_tasks_run_in_a_fresh_interpreter() -> None:
    done = fresh(
        """
        from flowtop import Flow, flow, task

        @task(max_retries=1, retry_delay=0)
        async def fetch():
            return 2

        graph = Flow("async")  # the user never imported asyncio: flowtop does, for the loop
        graph.add_task(fetch)
        assert graph.run().is_completed()

        import asyncio

        @flow
        async def pipeline():
            await asyncio.sleep(0.01)
            return await fetch()

        assert asyncio.run(pipeline()) == 2
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
