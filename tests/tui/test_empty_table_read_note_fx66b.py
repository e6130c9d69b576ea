"""The empty task table's line says what reading its run found (fx66b).

Reading a run from the store may find what the table cannot show: a log row it could not
read (skipped), or a link to a parent run that is one of the run's own subflow runs (a
loop, refused). ``RunModel.read_note`` holds the words and the header said them, but a run
with no task rows showed only its table's own line (`No task ran: the flow completed
without calling one`): a user looking at the empty table was not told that a part of the
run was left out. The line says it now, in parentheses (before a subflow list, which is
cut between its entries). And the table's counts of a run's failed and cancelled subflow
calls are the history's (``subflow_runs.undone_counts``), a run whose process died among
the failed, as the history counts its ``INTERRUPTED`` runs.
"""

from __future__ import annotations

import time

from textual.app import App, ComposeResult

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType as S
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import (
    cancelled_subflows,
    failed_subflows,
    no_rows_text,
    wrapped,
)
from flowtop.tui.widgets.task_table import TaskTable
from flowtop.workspace.run_log import LogDamage, RunInterrupted
from flowtop.workspace.store_notices import ClientEvent
from flowtop.workspace.subflow_runs import undone_calls
from pilot_kit import screen_text, wait_for

START = RunStarted("d4a9e0000001", "nightly", 3, (), (), (), None, 1.0)
END = RunFinished(START.run_id, "nightly", 3, S.COMPLETED, {}, 1.0, 2.0)
DAMAGE = LogDamage(START.run_id, 7, 0, "its body is not JSON")
DAMAGE_SAID = (
    f"run nightly #3 ({START.run_id}): event 7 of the run store's log cannot be read,"
    " skipped: its body is not JSON"
)


def _read(*events: ClientEvent) -> RunModel:
    """The run ``nightly #3`` as a window reads ``events`` back from the store."""
    store = RunStore()
    store.prepare(events)
    store.apply_batch(events)
    run = store.latest_for("nightly")
    assert run is not None
    return run


def test_an_empty_ended_run_says_the_row_it_skipped() -> None:
    run = _read(START, DAMAGE, END)
    assert run.read_note == DAMAGE_SAID and not run.order
    assert no_rows_text(run) == (
        f"No task ran: the flow completed without calling one ({DAMAGE_SAID})"
    )


def test_an_empty_live_run_says_the_row_it_skipped() -> None:
    run = _read(START._replace(ts=time.time()), DAMAGE)
    assert run.is_live
    assert no_rows_text(run) == (
        f"No tasks yet: they appear as the flow reaches them ({DAMAGE_SAID})"
    )


def test_a_run_that_read_nothing_odd_says_what_it_said() -> None:
    assert no_rows_text(_read(START, END)) == "No task ran: the flow completed without calling one"


PARENT = RunStarted("ba5e00000001", "nightly", 3, (), (), (), None, 1.0, parent_run="c01d00000001")
KID = RunStarted("c01d00000001", "kid", 1, (), (), (), None, 1.1, parent_run=PARENT.run_id)
LOOP_SAID = "nightly #3 names kid #1, its own subflow run, as its parent: shown unlinked"


def _loop() -> RunModel:
    """``nightly #3``, whose subflow run ``kid #1`` it names as its parent run."""
    kid_end = RunFinished(KID.run_id, "kid", 1, S.FAILED, {}, 1.0, 2.0)
    end = RunFinished(PARENT.run_id, "nightly", 3, S.COMPLETED, {}, 1.0, 3.0)
    run = _read(PARENT, KID, kid_end, end)
    assert run.read_note == LOOP_SAID and [kid.label for kid in run.children] == ["kid #1"]
    return run


def test_a_run_that_lists_its_subflows_says_the_loop_before_them() -> None:
    said = no_rows_text(_loop()).replace("\u00a0", " ")
    assert said == (
        f"No task of its own ({LOOP_SAID}); its subflows ran as runs of their own: ✗ kid #1"
    ), said


def test_a_long_subflow_list_is_still_cut_between_its_entries() -> None:
    run = _loop()
    for number in range(2, 40):
        kid = KID._replace(run_id=f"c01d{number:08}", run=number, ts=1.0 + number)
        run.children.append(RunModel.from_started(kid))
    lines = wrapped(no_rows_text(run), 80)
    assert len(lines) == 4 and lines[-1].endswith(" more"), lines
    assert lines[0].startswith("No task of its own (nightly #3 names kid #1"), lines


def test_a_head_too_long_for_the_lines_ends_in_an_ellipsis() -> None:
    """At 30 columns the words before the list take all four lines: they were cut there
    with nothing to say so (`… its subflows ran as`), the list gone."""
    lines = wrapped(no_rows_text(_loop()), 30)
    assert len(lines) == 4 and lines[-1].endswith("…"), lines


class _TableApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TaskTable()


async def test_the_empty_table_shows_it() -> None:
    run = _read(START, DAMAGE, END)
    app = _TableApp()
    async with app.run_test(size=(200, 8)) as pilot:
        app.query_one(TaskTable).show_run(run)
        said = "No task ran: the flow completed without calling one (run nightly #3"
        await wait_for(pilot, lambda: said in screen_text(app), "the table's line")
        assert "skipped: its body is not JSON)" in screen_text(app), screen_text(app)


# -- The monitor counts failed subflow calls as the history does --------------------------


def test_the_table_counts_subflow_calls_as_the_history() -> None:
    """A call whose run was cancelled, one whose process died, one that completed on its
    own retry, one that failed: the monitor's counts are the history's of the same runs
    as the store keeps them (the dead one ``INTERRUPTED``)."""
    parent = RunModel.from_started(PARENT._replace(parent_run=None))
    stored: list[tuple[str, str, str | None]] = []  # (id, state, rerun of) as the store keeps them

    def called(run_id: str, end: S | None, rerun_of: str | None = None) -> None:
        kid = RunModel.from_started(KID._replace(run_id=run_id, rerun_of=rerun_of))
        if end is None:
            kid.apply(RunInterrupted(run_id, "its process died", 2.0))
        else:
            kid.apply(RunFinished(run_id, "kid", 1, end, {}, 1.0, 2.0))
        parent.children.append(kid)
        stored.append((run_id, "INTERRUPTED" if end is None else end.value, rerun_of))

    called("k1", S.CANCELLED)
    called("k2", None)
    called("k3", S.FAILED)
    called("k4", S.COMPLETED, rerun_of="k3")
    called("k5", S.FAILED)

    class Stored:
        def __init__(self, run_id: str, state: str, rerun_of: str | None) -> None:
            self.run_id, self.state, self.rerun_of = run_id, state, rerun_of

    calls = parent.subflow_calls()
    history = undone_calls([Stored(*each) for each in stored])
    assert (failed_subflows(calls), cancelled_subflows(calls)) == history == (3, 1)
