"""Three small monitor defects (ct65).

Ctrl+C's toast named only ``ctrl+q`` (Textual's ``help_quit`` names the first quit key it
finds), not ``q`` nor a key ``[keys]`` rebinds quit to. A crafted store whose runs name
each other (or one itself) as parent had the loop's link refused with nothing said: the
run showed `(child run)`, unlinked; said in the run's note, its end (a note of its own, an
interruption) then replaced the words: they have a field of their own (``read_note``),
the header shows them after the note. And the history screen made each run's Counts cell
twice per read that changed anything: once to measure the Flow column's room
(``_flow_room``), once more for the row.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens import HistoryScreen
from flowtop.tui.screens import history as history_module
from flowtop.tui.widgets.run_header import RunHeader
from flowtop.workspace.history_records import RunDetail, RunRecord
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import ClientEvent
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import HostApp

# -- Ctrl+C names every key that quits -------------------------------------------------


async def _ctrl_c_said(app: FlowtopApp, pilot: Any) -> str:
    with toasts_said(app) as said:
        await pilot.press("ctrl+c")
        await wait_for(pilot, lambda: said, "Ctrl+C's toast")
    assert len(said) == 1, said
    return said[0]


async def test_ctrl_c_names_q_and_ctrl_q(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        assert await _ctrl_c_said(app, pilot) == "Press q or ^q to quit"


async def test_ctrl_c_names_the_quit_keys_as_rebound(workspace: FakeWorkspace) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await pilot.pause()
        app.set_keymap({"flowtop.quit": "z,ctrl+x"})
        await pilot.pause()
        assert await _ctrl_c_said(app, pilot) == "Press z, ^q or ^x to quit"


# -- A loop of parent runs is said -----------------------------------------------------


def _start(run_id: str, flow: str, ts: float, parent: str) -> RunStarted:
    return RunStarted(run_id, flow, 1, (), (), (), None, ts, parent_run=parent)


def _end(start: RunStarted) -> RunFinished:
    return RunFinished(start.run_id, start.flow, 1, S.COMPLETED, {}, 1.0, start.ts + 1)


def _folded(store: RunStore, events: Sequence[ClientEvent]) -> None:
    """As the app folds a batch it is handed (``take_events``)."""
    store.prepare(events)
    store.apply_batch(events)


ALPHA = _start("a1fa00000001", "alpha", 1.0, parent="be7a00000001")
BETA = _start("be7a00000001", "beta", 1.1, parent="a1fa00000001")
SELF = _start("5e1f5e1f5e1f", "selfish", 1.0, parent="5e1f5e1f5e1f")

LOOP_SAID = "names {}, its own subflow run, as its parent: shown unlinked"


def _shown(store: RunStore, flow: str) -> RunModel:
    run = store.latest_for(flow)
    assert run is not None, flow
    return run


@pytest.mark.parametrize("whole", [True, False], ids=["read-whole", "live"])
def test_runs_naming_each_other_parent_say_so_once(whole: bool) -> None:
    store = RunStore()
    if whole:  # read back from the store: each start with its end
        _folded(store, [ALPHA, BETA, _end(BETA), _end(ALPHA)])
    else:
        for event in (ALPHA, BETA, _end(BETA), _end(ALPHA)):
            _folded(store, [event])
    alpha, beta = _shown(store, "alpha"), _shown(store, "beta")
    assert beta.parent_label == "alpha #1" and alpha.children == [beta]  # linked one way
    assert alpha.read_note == f"alpha #1 {LOOP_SAID.format('beta #1')}"  # refused the other
    assert beta.read_note == ""
    _folded(store, [BETA._replace(ts=1.2)])  # linked again (a run handed on anew)
    assert alpha.read_note.count("shown unlinked") == 1


def test_a_run_naming_itself_parent_says_so_once() -> None:
    store = RunStore()
    _folded(store, [SELF, _end(SELF)])
    run = _shown(store, "selfish")
    assert run.read_note == SELF_SAID
    assert run.children == [] and run.parent_run is None
    _folded(store, [SELF, _end(SELF)])  # handed on anew
    assert _shown(store, "selfish").read_note.count("shown unlinked") == 1


SELF_SAID = "selfish #1 names itself as its parent run: shown unlinked"
CANCELLED = "cancelled by flowtop cancel"
ENDS = {
    "noted": RunFinished(SELF.run_id, SELF.flow, 1, S.CANCELLED, {}, 1.0, 2.0, note=CANCELLED),
    "interrupted": RunInterrupted(SELF.run_id, "its process died", 2.0),
}


class _HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


async def _header_line(run: RunModel) -> str:
    app = _HeaderApp()
    async with app.run_test(size=(200, 3)) as pilot:
        app.query_one(RunHeader).show(run.flow, run, time.monotonic())
        await pilot.pause()
        return screen_text(app).splitlines()[0]


@pytest.mark.parametrize("end", ENDS, ids=list(ENDS))
@pytest.mark.parametrize("whole", [True, False], ids=["read-whole", "live"])
async def test_the_run_s_end_keeps_the_loop_said(end: str, whole: bool) -> None:
    """Old: the end's note (`cancelled by …`, `interrupted: …`) replaced the loop's words."""
    store = RunStore()
    if whole:  # read back: linked just before its end is folded
        _folded(store, [SELF, ENDS[end]])
    else:  # live: it ends later
        _folded(store, [SELF])
        assert SELF_SAID in await _header_line(_shown(store, "selfish"))
        _folded(store, [ENDS[end]])
    run = _shown(store, "selfish")
    said = CANCELLED if end == "noted" else "interrupted: its process died"
    line = await _header_line(run)
    assert f"  {said}  {SELF_SAID}" in line, line
    assert run.note == said and run.read_note == SELF_SAID


# -- The history makes each Counts cell once --------------------------------------------


def _record(number: int, running: int = 0) -> RunRecord:
    counts = {"COMPLETED": 2, "RUNNING": running} if running else {"COMPLETED": 2}
    state = "RUNNING" if running else "COMPLETED"
    started = 1.7e9 + number
    return RunRecord(
        f"etl-{number}", "etl", number, state, started, started + 3, 3.0, None, None, counts, 2
    )


class _History:
    """Three runs, the newest live; its counts change with ``version``."""

    def __init__(self) -> None:
        self.records = [_record(3, running=1), _record(2), _record(1)]
        self.changes = 0

    def version(self) -> tuple[int, ...]:
        return (self.changes,)

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return self.records

    def count(self, flow: str | None = None) -> int:
        return len(self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in self.records if r.run_id == run_id))

    def close(self) -> None:
        pass


async def test_each_counts_cell_is_made_once(monkeypatch: pytest.MonkeyPatch) -> None:
    made: Counter[str] = Counter()
    counts_cell = history_module.counts_cell

    def counted(record: RunRecord, *args: Any) -> Any:
        made[record.run_id] += 1
        return counts_cell(record, *args)

    monkeypatch.setattr(history_module, "counts_cell", counted)
    history = _History()
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(120, 16)) as pilot:

        def rows() -> int:
            return app.screen.query_one("#runs", DataTable).row_count

        await wait_for(pilot, lambda: rows() == 3, "the runs listed")
        assert made == {"etl-3": 1, "etl-2": 1, "etl-1": 1}
        history.records[0] = _record(3, running=2)  # the live run's next task
        history.changes += 1
        screen = app.screen
        assert isinstance(screen, HistoryScreen)
        screen._refresh()
        await app.workers.wait_for_complete()
        await wait_for(pilot, lambda: "etl-3" in made and made["etl-3"] == 2, "the new counts")
        await pilot.pause()
        assert made == {"etl-3": 2, "etl-2": 1, "etl-1": 1}
