"""A ``@flow`` run of ``with_options`` copies, in the monitor: no ``≠`` once it ended.

The flow host predicted each key's next-run policy from the module's ``@task`` of its
name, having seen none of the run processes' calls: after a run of
``step.with_options(max_retries=2, retry_delay=0.1)`` the POLICY cell read
``≠ 2× 0.1s → 3× on Retry only 0s``, as if the task had been edited since. The run
process records its copies (``.flowtop/task_copies.json``), which the watcher reloads,
quietly: the cell then reads the copy's ``2× 0.1s``, alone.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from flow_texts import WITH_OPTIONS as OPTS
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.workspace.places import COPIES_FILE
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import hosted_folder


def wait_for_file(path: Path, timeout: float = 15.0) -> None:
    """Until ``path`` exists (a safety deadline, not a timing check)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"timed out waiting for {path.name}"
        time.sleep(0.02)


async def test_a_run_of_copies_shows_their_policies_with_no_mark(tmp_path: Path) -> None:
    with hosted_folder(tmp_path, {"opts.py": OPTS}) as hosted:
        app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.selected_flow == "own-opts", "the flow")
            await pilot.press("r")
            # the host's guess until it hears of the run's copies (no watch here)
            await wait_for(pilot, lambda: "1/5" in screen_text(app), "the run's end")
            copies = hosted.root / ".flowtop" / COPIES_FILE
            await asyncio.to_thread(wait_for_file, copies)
            with toasts_said(app) as said:
                change = await asyncio.to_thread(hosted.reload_paths, [copies])
                app.post_message(WorkspaceReloaded(change))
                await wait_for(pilot, lambda: "≠" not in screen_text(app), "no ≠")
                await pilot.pause()
            lines = screen_text(app).splitlines()
            step = next(line for line in lines if "step " in line and "1/3" in line)
            assert step.rstrip().endswith("2× 0.1s"), step
            assert any(line.rstrip().endswith("4× 0s") for line in lines if "1/5" in line)
            assert said == []  # a run's record, not a save of the user's: no toast
            app.shutdown()


async def test_the_editor_of_a_copy_not_recorded_says_its_fields_are_the_task_s(
    tmp_path: Path,
) -> None:
    """A copy its run called that flowtop could not record (a lambda delay): the editor's
    ``Now:`` read the module task's policy as the copy's (qa70d)."""
    from dataclasses import replace

    from flowtop.workspace import Workspace

    from .editor_kit import editor_app, shown

    (tmp_path / "opts.py").write_text(OPTS, encoding="utf-8")
    ws = Workspace(tmp_path)
    ws.load()
    try:
        shape = ws.shapes["own-opts"]
        ws.shapes["own-opts"] = replace(shape, unpredicted=frozenset({"step"}))
        app = editor_app(ws, "own-opts", "step")
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            said = " ".join(shown(app, "policy").split())
            assert said.startswith("Now: a with_options copy flowtop could not record"), said
            assert "below, its @task's values (" in said
    finally:
        ws.close()
