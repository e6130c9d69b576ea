"""The reload toasts of a flow file that fails to load as before, or that goes.

A reload names only new or changed load errors. Saving again a file that hangs at
import (``time.sleep(120)`` at its top: ``import did not finish in 10 s``) said "No flow
changed (flows/hang.py)", as if it loaded; deleting it said the same, though its ``✗``
left the flows list. Now the toasts say it still fails, or that it was removed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import reload_said
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError, display_path
from pilot_kit import toasts_said, wait_for

from .conftest import Calls, FakeWorkspace, demo_flow

HUNG = "import did not finish in 10 s"


def hanging(tmp_path: Path) -> tuple[Path, LoadError]:
    path = tmp_path / "hang.py"
    path.write_text("import time\n\ntime.sleep(120)\n", encoding="utf-8")
    return path, LoadError(path, None, None, HUNG)


def test_what_a_reload_says_of_a_file_that_still_fails_or_went(tmp_path: Path) -> None:
    path, error = hanging(tmp_path)
    etl = tmp_path / "etl.py"
    failing = {str(path): error}
    saved_again = WorkspaceChanged(paths=(path,))
    assert saved_again.summary().startswith("No flow changed")  # the workspace's own word
    assert reload_said(saved_again, failing, failing) == (f"Still failing: {error}", True)
    both = WorkspaceChanged(paths=(etl, path), modules=(display_path(etl),), flows=("etl",))
    said, _ = reload_said(both, failing, failing)
    assert said == f"Reloaded {display_path(etl)} (1 flow); still failing: {error}"
    changed = LoadError(path, 3, None, "SyntaxError: invalid syntax")  # a new error: as said
    assert reload_said(WorkspaceChanged(paths=(path,), errors=(changed,)), failing, failing) == (
        str(changed),
        True,
    )
    path.unlink()
    removed = reload_said(saved_again, failing, {})
    assert removed == (f"Removed {display_path(path)}, which had failed to load", False)
    assert reload_said(saved_again, {}, {})[0].startswith("No flow changed")  # it never failed


async def push(pilot: Any, app: FlowtopApp, ws: FakeWorkspace, change: WorkspaceChanged) -> str:
    """What the watcher yields after a save; the toast the app shows for it."""
    await wait_for(pilot, lambda: ws.changes is not None, "the watch")
    assert ws.changes is not None
    with toasts_said(app) as said:
        ws.changes.put_nowait(change)  # type: ignore[arg-type]  # the real change, not the fake's
        await wait_for(pilot, lambda: said, "the reload's toast")
    return said[-1]


async def test_saving_a_hanging_file_again_then_deleting_it(tmp_path: Path) -> None:
    path, error = hanging(tmp_path)
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())}, {path: error})
    app = FlowtopApp(ws)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        said = await push(pilot, app, ws, WorkspaceChanged(paths=(path,)))
        assert said == f"Still failing: {display_path(path)}: {HUNG}"
        assert list(app._notifications)[-1].severity == "error"
        path.unlink()
        del ws.errors[path]
        said = await push(pilot, app, ws, WorkspaceChanged(paths=(path,)))
        assert said == f"Removed {display_path(path)}, which had failed to load"
        assert not app._listed_errors()


def test_a_broken_settings_file_deleted_says_its_kept_settings_go(tmp_path: Path) -> None:
    """Its last good settings, kept while it failed, stop applying as it goes: the toast
    said only `which had failed to load`, and the policies changed unsaid (qa70d)."""
    toml = tmp_path / "flowtop.toml"
    failing = {toml: LoadError(toml, 2, None, "invalid TOML: bad")}
    said, _ = reload_said(WorkspaceChanged(paths=(toml,)), failing, {})
    assert said == (
        f"Removed {display_path(toml)}, which had failed to load: its last good settings no "
        "longer apply"
    )
