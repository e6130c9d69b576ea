"""The flows list's ``✗ file`` rows are in ``ls -v`` order, as its flows are: they were in
the order the files failed (``✗ b.py`` above ``✗ a.py`` after a.py broke second)."""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for

from .conftest import FakeChange, FakeLoadError, FakeWorkspace


async def test_broken_files_are_listed_in_ls_v_order(
    workspace: FakeWorkspace, tmp_path: Path
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: workspace.changes is not None, "the watcher")
        assert workspace.changes is not None
        for name in ("b10.py", "b2.py", "a.py"):  # as they failed, one after another
            bad = tmp_path / name
            error = FakeLoadError(bad, 1, "SyntaxError: invalid syntax")
            workspace.errors[bad] = error
            workspace.changes.put_nowait(FakeChange(str(error), errors=[error]))
        await wait_for(pilot, lambda: "✗ a.py" in screen_text(app), "the third broken file")
        rows = [line.split("▕")[0].strip() for line in screen_text(app).splitlines()]
        listed = [row for row in rows if row.startswith("✗ ") and row.endswith(".py")]
        assert listed == ["✗ a.py", "✗ b2.py", "✗ b10.py", "✗ broken.py"], listed
