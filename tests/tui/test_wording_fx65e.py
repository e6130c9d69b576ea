"""Two wordings user-testers found short of what they say elsewhere.

- A helper module fixed after it raised at import: the toast read `Reloaded etl.py (1
  flow)`, without the `which imports helper.py` a plain save of that helper says (the
  helper, never imported, was in no module the reload evicted).
- The header of a parent `@flow` run with subflows and a reused task read `✓ 1  subflows:
  ✓ 8` at 120 columns: the counts' words, the first to give way, stayed gone though the
  subflows' list taking its short form left room for `completed (1 reused)`.
"""

from __future__ import annotations

import time
from pathlib import Path

from textual.app import App, ComposeResult

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.run_header import Note, RunHeader, fit_notes
from flowtop.workspace import Workspace
from flowtop.workspace.load_error import display_path
from pilot_kit import screen_text

S = StateType

FLOW = """\
from helper import VALUE

from flowtop import Flow, task


@task
def get():
    return VALUE


with Flow("etl") as etl:
    get()
"""


def test_a_fixed_helper_is_named_as_a_saved_one_is(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW)
    helper = tmp_path / "helper.py"
    helper.write_text("VALUE = 1\n")
    ws = Workspace(tmp_path)
    try:
        ws.load()
        helper.write_text("VALUE = 2\n")
        why = f"which imports {display_path(helper)}"
        assert ws.reload_paths([helper]).summary().endswith(why)  # a plain save: named
        helper.write_text("raise RuntimeError('boom')\n")
        assert ws.reload_paths([helper]).errors
        helper.write_text("VALUE = 3\n")
        change = ws.reload_paths([helper])
        assert change.modules == (display_path(tmp_path / "etl.py"),)
        assert change.summary().endswith(why), change.summary()
        assert ws.flows["etl"].nodes["get"].task.fn() == 3
    finally:
        ws.close()


COUNTS = Note(("✓ 1 completed (1 reused)", "✓ 1"), style="", first=True)
LIVE = Note(("5 live runs (#21, #22, #23, #24, #25): w switches", "5 live runs: w switches", ""))


def test_the_counts_take_their_words_back_where_a_shorter_note_left_room() -> None:
    listed = ", ".join(f"✓ region #{n}" for n in range(2, 10))
    subflows = Note((f"subflows: {listed}", "subflows: ✓ 8", ""), sep="  ")
    said = [words for _, words in fit_notes([COUNTS, subflows], 60)]
    assert said == ["✓ 1 completed (1 reused)", "subflows: ✓ 8"], said
    # the counts' words still give way first where that is enough (rv403 §6)
    said = [words for _, words in fit_notes([COUNTS, LIVE], 55)]
    assert said == ["✓ 1", LIVE.wordings[0]], said
    # where the live runs' numbers cannot stay even so, the words come back if they fit
    said = [words for _, words in fit_notes([COUNTS, LIVE], 51)]
    assert said == ["✓ 1 completed (1 reused)", "5 live runs: w switches"], said
    said = [words for _, words in fit_notes([COUNTS, LIVE], 45)]
    assert said == ["✓ 1", "5 live runs: w switches"], said


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


def _parent() -> RunModel:
    """A completed rerun of a parent whose task was reused and which called 8 subflows."""
    events: list[object] = [RunStarted("p", "parent", 2, ("prep",), (1,), ("",))]
    events.append(TaskStateChanged("p", "parent", "prep", S.COMPLETED, 1, 1, 1.0, reused=True))
    for number in range(2, 10):
        kid = f"k{number}"
        start = RunStarted(kid, "region", number, ("load",), (1,), ("",), ts=1.0)
        events += [
            start._replace(parent_run="p"),
            RunFinished(kid, "region", number, S.COMPLETED, {}, 0.1, ts=2.0),
        ]
    events.append(RunFinished("p", "parent", 2, S.COMPLETED, {}, 1.0, ts=3.0))
    store = RunStore()
    store.apply_batch(events)  # type: ignore[arg-type]
    run = store.latest_for("parent")
    assert run is not None and run.state is S.COMPLETED
    return run


async def test_a_parent_s_header_keeps_its_counts_words_beside_its_subflows_count() -> None:
    app = HeaderApp()
    async with app.run_test(size=(102, 3)) as pilot:  # the header's width at 120 columns
        app.query_one(RunHeader).show("parent", _parent(), time.monotonic())
        await pilot.pause()
        line = screen_text(app).splitlines()[1].rstrip()
    assert line == "✓ 1 completed (1 reused)  subflows: ✓ 8", line
