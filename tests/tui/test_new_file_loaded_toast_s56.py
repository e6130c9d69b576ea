"""A flow file added while the monitor runs is said to be loaded, not reloaded: its
toast read "Reloaded slow.py (1 flow)" for a file the monitor had never loaded."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.tui.reload_actions import loaded_said
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import display_path

from .conftest import Calls, FakeWorkspace, demo_flow
from .test_reload_toasts_hanging import push


def test_a_change_of_new_and_known_files_says_which_is_which(tmp_path: Path) -> None:
    new, old = display_path(tmp_path / "new.py"), display_path(tmp_path / "etl.py")
    both = WorkspaceChanged(modules=(new, old), flows=("new", "etl", "load"))
    said = loaded_said(both.summary(), both, [new])
    assert said == f"Loaded {new}, reloaded {old} (3 flows)"
    assert loaded_said(both.summary(), both, []) == both.summary()


async def test_a_new_file_is_loaded_and_saved_again_reloaded(tmp_path: Path) -> None:
    calls = Calls()
    ws = FakeWorkspace(tmp_path, {"demo": demo_flow(calls)})
    app = FlowtopApp(ws)
    slow = tmp_path / "slow.py"
    change = WorkspaceChanged(paths=(slow,), modules=(display_path(slow),), flows=("slow",))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        ws.flows["slow"] = demo_flow(calls)  # (its shape: any flow)
        ws.flow_files["slow"] = slow
        assert await push(pilot, app, ws, change) == f"Loaded {display_path(slow)} (1 flow)"
        assert await push(pilot, app, ws, change) == f"Reloaded {display_path(slow)} (1 flow)"
        demo = tmp_path / "demo.py"
        saved = WorkspaceChanged(paths=(demo,), modules=(display_path(demo),), flows=("demo",))
        assert await push(pilot, app, ws, saved) == f"Reloaded {display_path(demo)} (1 flow)"
