"""A run process started from the TUI is waited for once it ends: it stays no zombie.

The launcher lets go of each run process's ``Popen`` at once (the run outlives the TUI),
and Python waits for such a child only when the next one starts: every run started
from the TUI stayed ``<defunct>`` until the next `r`.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from flow_texts import QUICK
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.child_reaper import ChildReaper
from flowtop.tui.run_control import StoreControl
from flowtop.workspace import Workspace
from pilot_kit import wait_for

S = StateType


pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")


def state_of(pid: int) -> str | None:
    """The process's state letter (``Z``: ended, never waited for); None once gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    return stat.rpartition(")")[2].split()[0]


async def test_a_run_started_here_leaves_no_zombie_once_it_ends(tmp_path: Path) -> None:
    (tmp_path / "quick.py").write_text(QUICK)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            control = app.control
            assert isinstance(control, StoreControl)
            await pilot.press("r")
            await wait_for(pilot, lambda: control.client.started, "the launch")
            (launched,) = control.client.started.values()

            def ended() -> bool:
                run = app.store.runs.get(launched.run_id)
                return run is not None and not run.is_live

            await wait_for(pilot, ended, "its end", 30)
            # old: `Z` until the next launch (Python waits for a let-go child only then)
            await wait_for(pilot, lambda: state_of(launched.pid) is None, "it to be waited for")
    finally:
        workspace.close()


def test_the_reaper_waits_for_a_launched_child_once_it_ends() -> None:
    reaper = ChildReaper()
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.2)"])
    reaper.adopt(process)
    reaper.adopt(None)  # a run another process launched: nothing to wait for here
    assert reaper.reap() == 1  # still running: nothing to wait for, and no wait
    deadline = time.monotonic() + 15
    while state_of(process.pid) != "Z":  # ended, never waited for
        assert time.monotonic() < deadline, "the child never ended"
        time.sleep(0.02)
    assert reaper.reap() == 0
    assert state_of(process.pid) is None
