"""Merged reload toasts keep every change's notes (fo62).

Reloads that only reloaded flow files, while the toast of one like it still shows,
come as one toast once they are many files (``ReloadActions._say_reload``): the merged
change kept only the first change's unread Prefect files and left-out @flow methods, so
a note of the second reload was never said.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from pilot_kit import toasts_said, wait_for

from .conftest import Calls, FakeWorkspace, demo_flow


def noted(tmp_path: Path, first: int, last: int) -> WorkspaceChanged:
    """A reload of ``flow_FIRST.py`` … ``flow_LAST.py``, beside a saved Prefect file not
    read and a @flow method left out of the first file."""
    names = [f"flow_{i:03}.py" for i in range(first, last + 1)]
    prefect = tmp_path / f"pf_{first:03}.py"
    return WorkspaceChanged(
        paths=(*(tmp_path / name for name in names), prefect),
        modules=tuple(names),
        flows=tuple(f"flow-{i:03}" for i in range(first, last + 1)),
        unread=(prefect,),
        left_out=(LoadError(tmp_path / names[0], 3, None, f"Method{first}.run is not listed"),),
    )


async def test_a_merged_toast_says_the_notes_of_both_reloads(tmp_path: Path) -> None:
    workspace = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    app = FlowtopApp(workspace)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        await wait_for(pilot, lambda: workspace.changes is not None, "the watcher")
        assert workspace.changes is not None
        with toasts_said(app) as said:
            for batch in range(2):
                workspace.changes.put_nowait(noted(tmp_path, batch * 30 + 1, batch * 30 + 30))
                await wait_for(pilot, lambda n=batch + 1: len(said) == n, "the reload's toast")
        await wait_for(pilot, lambda: len(app._notifications) == 1, "one toast")
        (toast,) = app._notifications
        assert "and 57 more files (60 flows)" in toast.message
        for note in ("pf_001.py", "pf_031.py", "Method1.run", "Method31.run"):
            assert note in toast.message, (note, toast.message)
