"""The empty folder's header hint reads no flow file on the UI thread (fo62).

A folder of Prefect files alone (drop-in mode off) says so in the header
(``unread_prefect_hint``). The hint asked ``workspace.unread_prefect`` on the UI thread
at each header redraw: a workspace loaded in this process read every flow file there.
It takes them from the load now (read on the load's thread), and after a reload reads
them again on a worker's thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace, load_error
from flowtop.workspace.changes import WorkspaceChanged
from pilot_kit import wait_for

from .conftest import FakeWorkspace

PREFECT = "from prefect import flow\n\n@flow\ndef pf():\n    pass\n"
SIZE = (120, 30)


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[threading.Thread]:
    """The thread of each read of a file for the Prefect note."""
    said: list[threading.Thread] = []
    read = load_error.readable_sources

    def reading(*args: Any, **kwargs: Any) -> Any:
        said.append(threading.current_thread())
        return read(*args, **kwargs)

    monkeypatch.setattr(load_error, "readable_sources", reading)
    return said


def hint(app: FlowtopApp) -> Callable[[], bool]:
    return lambda: app._hint_shown is not None and "pf.py imports prefect" in app._hint_shown


@pytest.mark.parametrize("load", [True, False])
async def test_the_hint_reads_no_file_on_the_ui_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reads: list[threading.Thread], load: bool
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pf.py").write_text(PREFECT)
    with Workspace(tmp_path) as workspace:
        if not load:
            workspace.load()  # (as one embedding the monitor hands it)
            reads.clear()
        app = FlowtopApp(workspace, load=load, watch=False)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, hint(app), "the header's hint")
            for _ in range(3):  # redrawn: no file read again
                app._update_header()
            await pilot.pause()
            app.exit()
    assert threading.main_thread() not in reads  # old: each redraw read pf.py here
    assert reads  # (read, off the UI thread)


async def test_after_a_reload_the_hint_says_the_files_now(tmp_path: Path) -> None:
    """pf.py deleted: the hint says how to add a flow, no more pf.py."""
    workspace = FakeWorkspace(tmp_path, {})
    workspace.unread_prefect = ["pf.py"]
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, hint(app), "the header's hint")
        await wait_for(pilot, lambda: workspace.changes is not None, "the watch")
        assert workspace.changes is not None
        workspace.unread_prefect = []
        workspace.changes.put_nowait(WorkspaceChanged(paths=(tmp_path / "pf.py",)))  # type: ignore[arg-type]
        await wait_for(
            pilot,
            lambda: app._hint_shown is not None and "add a .py file" in app._hint_shown,
            "the hint without pf.py",
        )
