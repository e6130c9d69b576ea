"""Hot reload in the monitor survives odd files, and auto-rerun waits for good settings.

A symlink loop in the workspace (``ln -s loop.py loop.py``) closed the monitor at the
next save: ``Path.resolve()`` raises ``RuntimeError: Symlink loop from …`` in Python 3.11,
and the reload's toast resolved every listed file. And a settings file saved again as
broken as before is no new error: auto-rerun went ahead, and added a run that never
started (``Run #6 of etl: .flowtop/overrides.toml:3: …``) in place of the failed one;
its toast read ``kept the last good settings; Still failing: …``, back to front.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from flowtop.tui.app import FlowtopApp
from flowtop.tui.error_actions import failing_line
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError, display_path
from flowtop.workspace.places import OVERRIDES_FILE, STATE_DIR
from pilot_kit import toasts_said, wait_for

from .conftest import Calls, FakeWorkspace, demo_flow

LOOPED = "symlink loop: cannot read file"


async def push(pilot: Any, app: FlowtopApp, ws: FakeWorkspace, change: WorkspaceChanged) -> str:
    """What the watcher yields after a save; the toast the app shows for it (by then the
    app has acted on the reload: the toast comes first in the same call)."""
    await wait_for(pilot, lambda: ws.changes is not None, "the watch")
    assert ws.changes is not None
    with toasts_said(app) as said:
        ws.changes.put_nowait(change)  # type: ignore[arg-type]  # the real change, not the fake's
        await wait_for(pilot, lambda: said, "the reload's toast")
    return said[-1]


def looped(folder: Path) -> Path:
    loop = folder / "loop.py"
    os.symlink("loop.py", loop)
    return loop


async def test_a_symlink_loop_listed_never_closes_the_monitor_at_a_save(tmp_path: Path) -> None:
    loop = looped(tmp_path)
    ws = FakeWorkspace(
        tmp_path, {"demo": demo_flow(Calls())}, {loop: LoadError(loop, None, None, LOOPED)}
    )
    app = FlowtopApp(ws)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        saved = tmp_path / "demo.py"
        assert await push(pilot, app, ws, WorkspaceChanged(paths=(saved,))) == (
            f"No flow changed ({display_path(saved)})"
        )
        said = await push(pilot, app, ws, WorkspaceChanged(paths=(loop,)))
        assert said == f"Still failing: {display_path(loop)}: {LOOPED}"
        loop.unlink()
        del ws.errors[loop]
        said = await push(pilot, app, ws, WorkspaceChanged(paths=(loop,)))
        assert said == f"Removed {display_path(loop)}, which had failed to load"
        assert app.is_running


def test_a_reload_and_the_error_pane_take_a_symlink_loop_as_a_path(tmp_path: Path) -> None:
    """The flow host's answer to a save, and the file ``o`` opens at a traceback's line."""
    loop = looped(tmp_path)
    change = WorkspaceChanged(paths=(loop,), errors=(LoadError(loop, None, None, LOOPED),))
    assert change.only([loop], {}).errors == change.errors
    traceback = f'Traceback (most recent call last):\n  File "{loop}", line 3, in <module>\n'
    assert failing_line(traceback, loop, tmp_path) == (loop, 3)


def overrides_error(folder: Path, *, unused: bool = False) -> LoadError:
    path = folder / STATE_DIR / OVERRIDES_FILE
    path.parent.mkdir(exist_ok=True)
    path.write_text("[flows.demo.tasks.flaky]\nmax_retries = 1\ntimeout = -5\n", encoding="utf-8")
    message = '[flows."demo".tasks."flaky"]: timeout must be a finite number of seconds > 0'
    return LoadError(path, 3, None, message, unused=unused)


async def test_no_auto_rerun_while_a_settings_file_still_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    app = FlowtopApp(ws)
    reruns: list[str] = []
    monkeypatch.setattr(app, "_auto_rerun", reruns.append)
    error = overrides_error(tmp_path)
    saved = WorkspaceChanged(paths=(error.path,), settings_changed=True, settings_kept=True)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("a")
        assert app.auto_rerun
        ws.settings_errors = [error]
        said = await push(pilot, app, ws, replace(saved, errors=(error,)))
        assert said == f"{error}; kept the last good settings"
        # Saved again, as broken: what still fails first, then what was kept.
        assert await push(pilot, app, ws, saved) == (
            f"Still failing: {error}; kept the last good settings"
        )
        assert reruns == []
        flow_saved = WorkspaceChanged(
            paths=(tmp_path / "demo.py",), modules=("demo.py",), flows=("demo",)
        )
        await push(pilot, app, ws, flow_saved)
        assert reruns == []  # the run would not start: the settings file still fails
        ws.settings_errors = [overrides_error(tmp_path, unused=True)]  # said, stops no run
        await push(pilot, app, ws, flow_saved)
        assert reruns == ["demo"]
