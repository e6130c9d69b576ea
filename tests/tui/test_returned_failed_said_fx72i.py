"""The monitor words a failed state a task returned as ``flowtop run`` does (fx72i).

A drop-in task that returned ``Failed(message="1 rows bad")`` read ``returned Failed: 1 rows
bad`` in the task table's LAST ERROR and on each attempt line of the detail pane (the
stored type and message glued as ``Type: message``), and the pane's head said ``The flow
function raised returned Failed: 1 rows bad`` of a flow that returned that state; they
read ``returned Failed('1 rows bad')`` now (``looks.error_said``), as ``flowtop run``'s
``the task returned Failed('1 rows bad')`` and the run line's ``flow returned …``.
"""

from __future__ import annotations

import re
from pathlib import Path

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for, wait_for_run

VALIDATE = """\
from prefect import flow, task
from prefect.states import Failed


@task(retries=1, retry_delay_seconds=0)
def validate(rows):
    bad = [r for r in rows if r < 0]
    return Failed(message=f"{len(bad)} rows bad")


@flow
def check():
    return validate([1, -3])
"""

SAID = "returned Failed('1 rows bad')"


async def test_the_table_and_the_detail_pane_say_the_task_returned_failed(
    tmp_path: Path,
) -> None:
    (tmp_path / "flowtop.toml").write_text("[workspace]\nprefect_compat = true\n")
    (tmp_path / "validate.py").write_text(VALIDATE)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(130, 40)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await wait_for_run(pilot, app, StateType.FAILED)
            await wait_for(
                pilot, lambda: "The flow function" in screen_text(app), "the detail pane"
            )
            text = screen_text(app)
    finally:
        workspace.close()
    assert "returned Failed: " not in text, text
    lines = [line.strip(" ▕│") for line in text.splitlines()]
    row = next(line for line in lines if line.startswith("validate ") and "2/2" in line)
    assert row.endswith(SAID), row
    assert f"The flow function {SAID}" in lines, text
    attempts = [line for line in lines if re.match(r"#\d  ", line)]
    assert len(attempts) == 2 and all(line.endswith(SAID) for line in attempts), attempts
