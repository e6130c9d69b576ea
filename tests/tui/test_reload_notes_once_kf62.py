"""A reload's long notes are said as they appear or change, not at each save.

Each save of a file with a ``@flow`` on an instance method (`Pipeline.go is not listed: a
@flow on an instance method, and flowtop has no instance …`, ~14 lines at 120 columns)
said it again, and so did each save of a Prefect file not read (`pf.py not read, as it
imports prefect: …`), though nothing about them had changed since the monitor opened or
the file was last saved. A save now says a method's note when it is new or its words
changed; a Prefect file saved again, still not read, is said in a few words.
"""

from __future__ import annotations

from pathlib import Path

from flowtop.tui.app import FlowtopApp
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from pilot_kit import toasts_said, wait_for

from .conftest import Calls, FakeWorkspace, demo_flow

GO = "Pipeline.go is not listed: a @flow on an instance method"
GO2 = "Other.go2 is not listed: a @flow on an instance method"
HOW = "prefect_compat"  # in the long note's how-to only


class NotedWorkspace(FakeWorkspace):
    """Opens with m.py's method left out and pf.py not read."""

    def load(self) -> WorkspaceChanged:  # type: ignore[override]
        self.loads += 1
        return WorkspaceChanged(
            modules=("m.py",),
            flows=("demo",),
            left_out=(LoadError(self.root / "m.py", 23, None, GO),),
        )


def saved(root: Path, *notes: tuple[int, str], prefect: bool = False) -> WorkspaceChanged:
    """A save of m.py (and of pf.py, not read) with these methods left out."""
    pf = root / "pf.py"
    return WorkspaceChanged(
        paths=(root / "m.py", *((pf,) if prefect else ())),
        modules=("m.py",),
        flows=("demo",),
        unread=(pf,) if prefect else (),
        left_out=tuple(LoadError(root / "m.py", line, None, text) for line, text in notes),
    )


async def test_a_save_says_the_notes_that_are_new_not_those_said_before(tmp_path: Path) -> None:
    workspace = NotedWorkspace(tmp_path, {"demo": demo_flow(Calls())})
    workspace.unread_prefect = ["pf.py"]
    app = FlowtopApp(workspace, load=True)
    async with app.run_test(size=(200, 40), notifications=True) as pilot:
        with toasts_said(app) as said:
            await wait_for(pilot, lambda: workspace.changes is not None, "the watcher")
            # (said as the app starts, maybe before the block: those still shown)
            shown = [str(n.message) for n in app._notifications]
            await wait_for(pilot, lambda: any(GO in s for s in said + shown), "the notes")
            opening = next(s for s in said + shown if GO in s)
            assert "pf.py" in opening and HOW in opening, opening
            assert workspace.changes is not None

            async def save(change: WorkspaceChanged) -> str:
                count = len(said)
                workspace.changes.put_nowait(change)  # type: ignore[union-attr]
                await wait_for(pilot, lambda: len(said) > count, "the reload's toast")
                return said[-1]

            # the same method, moved a line down by an edit above it: no news
            toast = await save(saved(tmp_path, (24, GO), prefect=True))
            assert "Reloaded m.py" in toast and GO not in toast, toast  # old: said again
            assert "pf.py" in toast and HOW not in toast, toast  # said short
            toast = await save(saved(tmp_path, (24, GO), (34, GO2)))
            assert GO2 in toast and GO not in toast, toast  # the new one only
            toast = await save(saved(tmp_path, (24, GO), (34, GO2)))
            assert GO2 not in toast and GO not in toast, toast
            toast = await save(saved(tmp_path))  # both fixed, then one back
            assert "not listed" not in toast, toast
            toast = await save(saved(tmp_path, (24, GO)))
            assert GO in toast, toast
