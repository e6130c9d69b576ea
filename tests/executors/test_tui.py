"""The TUI's runner takes the executor spec: a run on processes or Dask looks the same there."""

from __future__ import annotations

import textwrap
import time
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.workspace import Workspace

FLOW = """
    import os
    from pathlib import Path

    from flowtop import Flow, Retry, task

    HOME = os.getpid()

    @task
    def elsewhere():
        marker = Path(__file__).with_name("again")
        if not marker.exists():
            marker.write_text("")
            raise Retry("once more")
        return os.getpid() != HOME

    with Flow("tui") as flow:
        elsewhere()
"""


@pytest.mark.parametrize("executor", ["process", "dask"])
async def test_r_runs_on_the_chosen_executor(tmp_path: Path, executor: str):
    from flowtop.tui.app import FlowtopApp

    (tmp_path / "tui.py").write_text(textwrap.dedent(FLOW))
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, runner_options={"executor": executor}, watch=False)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("r")
            deadline = time.monotonic() + 20
            while app.table.run is None or app.table.run.state is not StateType.COMPLETED:
                assert time.monotonic() < deadline, [
                    h.snapshot().attempts for h in app.control.handles.values()
                ]
                await pilot.pause(0.05)
            row = app.table.run.rows["elsewhere"]
            assert row.attempt == 2
            handle = next(iter(app.control.handles.values()))
            # in-process Dask threads share our pid; the process pool does not
            expected = executor == "process"
            assert handle.snapshot()["elsewhere"].result is expected
    finally:
        app.shutdown()
        workspace.close()
