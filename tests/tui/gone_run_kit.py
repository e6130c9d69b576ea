"""A run of ``slow`` whose process is gone, as the monitor opens on it: shared by the tests
of runs the monitor must show ended (an end the store cannot read, an end a full disk kept
out). ``tests/tui`` is a package; its tests import this as ``.gone_run_kit``."""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from flowtop.workspace.ownership import boot_id, host_name
from pilot_kit import wait_for

#: A pid above any pid_max: no process has it.
DEAD_PID = 999_999_999

#: The flow ``slow``, one task ``wait``.
FLOW = """
    from flowtop import Flow, task

    @task
    def wait():
        return 1

    with Flow("slow") as flow:
        wait()
"""


def owned_by_a_gone_process(db: Path) -> None:
    """Every run of the store ``db`` owned by a process of this host that is gone."""
    with sqlite3.connect(db) as raw:
        raw.execute(
            "UPDATE runs SET owner = 'gone', host = ?, pid = ?, boot_id = ?, proc_start = '1'",
            (host_name(), DEAD_PID, boot_id()),
        )


@asynccontextmanager
async def monitor_once_ended(
    folder: Path, size: tuple[int, int]
) -> AsyncIterator[tuple[FlowtopApp, Any]]:
    """The monitor on ``folder`` (``slow.py`` written there), ``slow`` selected, once its
    latest run reads ended, with its pilot; shut down after."""
    (folder / "slow.py").write_text(textwrap.dedent(FLOW).lstrip())
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=size, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("slow")

            def shown_ended() -> bool:
                run = app.store.latest_for("slow")
                return run is not None and not run.is_live

            await wait_for(pilot, shown_ended, "the run to read ended", 10)
            yield app, pilot
            app.shutdown(cancel=True)
    finally:
        workspace.close()
