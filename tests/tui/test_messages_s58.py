"""Three monitor messages that said the wrong thing.

- `n` / `x` in a second window on a wait another window's key had cut: the command was
  ignored by the run's process (aimed at a wait that was over), and the window said
  nothing, as if its own key had cut it. It now names the wait it was pressed on.
- The window that lost a double `f` said "Run #2, a rerun of #1, is already running"
  under a header that read `#2 ✓ Completed 19ms`: the words were made as the store
  refused, and shown once the rerun had ended.
- After `flowtop history --prune` took a flow's runs, the header said `not run yet` and
  `h` "No runs yet of beta".
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui import run_control
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel, RunStartedElsewhere
from flowtop.tui.run_control import AlreadyRerunning, InProcessControl, StoreControl
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens.history import HistoryScreen
from flowtop.workspace.store_notices import StoreGone
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text
from waits import wait_until

from .conftest import FakeWorkspace, controls_made_as

S = StateType
SIZE = (120, 36)

#: ``waiter`` fails every attempt and waits 30 s before the next: a run that stays live.
WAITING = """
    from flowtop import Flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
"""


def header(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[0]


# -- n / x on a wait another window cut -------------------------------------------------


def _waits(events: list[Any], attempt: int) -> bool:
    return any(
        type(e) is TaskStateChanged and e.state is S.AWAITING_RETRY and e.attempt == attempt
        for e in events
    )


def test_a_second_windows_n_on_a_wait_already_cut_is_answered_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two windows on one folder, `n` in each on attempt 1's wait: the first cuts it, the
    second's command is ignored by the run's process, and its window hears so (it was
    told True: queued). Real run process, real store."""
    monkeypatch.setattr(run_control, "ANSWER_WAIT", 30.0)  # a guard, no timing check
    (tmp_path / "waiting.py").write_text(textwrap.dedent(WAITING))
    workspace: Any = SimpleNamespace(
        state_dir=tmp_path / ".flowtop", flow_files={"waiting": tmp_path / "waiting.py"}
    )
    seen: list[Any] = []

    def sink(events: Sequence[Any]) -> None:
        seen.extend(events)

    window_a = StoreControl(workspace, sink)
    window_b = StoreControl(workspace, lambda events: None)
    run: RunModel | None = None
    try:
        run = window_a.start("waiting")
        wait_until(lambda: _waits(seen, 1), "attempt 1's wait", 30)
        assert window_a.retry_now(run, "waiter", 1) is True
        assert window_b.retry_now(run, "waiter", 1) is False  # old: True, said nothing
        assert window_b.give_up(run, "waiter", 1) is False
        wait_until(lambda: _waits(seen, 2), "attempt 2's wait", 30)  # it stands
        assert window_b.give_up(run, "waiter", 2) is True
    finally:
        if run is not None and run.run_id is not None:
            reader = StoreReader(tmp_path / ".flowtop" / "history.db")
            if any(r.run_id == run.run_id for r in reader.running()):
                window_a.cancel(run)
            wait_until(lambda: not reader.running(), "the run to end", 30)
        window_a.close(cancel=False)
        window_b.close(cancel=False)


class CutElsewhere:
    """Runs here; `n` and `x` are answered as a run process answers them once another
    window's key cut the wait (ignored), and noted with the attempt they aimed at."""

    def __init__(self, workspace: Any, sink: Any) -> None:
        self.inner = InProcessControl(workspace, sink)
        self.asked: list[tuple[str, str, int | None]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def retry_now(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        self.asked.append(("retry_now", key, attempt))
        return False

    def give_up(self, run: RunModel, key: str, attempt: int | None = None) -> bool:
        self.asked.append(("give_up", key, attempt))
        return False


def waiting_flow(tmp_path: Path) -> FakeWorkspace:
    @task(max_retries=3, retry_delay=30)
    def waiter() -> None:
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
    return FakeWorkspace(tmp_path, {"waiting": flow})


async def test_n_aims_at_the_wait_on_screen_and_says_when_another_window_cut_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = controls_made_as(monkeypatch, CutElsewhere)
    app = FlowtopApp(waiting_flow(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the control")
        app.flow_list.select_flow("waiting")
        await pilot.press("r")

        def waits() -> bool:
            run = app.table.run
            row = run.rows.get("waiter") if run is not None else None
            return row is not None and row.state is S.AWAITING_RETRY

        await wait_for(pilot, waits, "attempt 1's wait")
        with toasts_said(app) as said:
            await pilot.press("n")
            cut = "The wait of attempt 1 of waiter was already cut (another window?)"
            await wait_for(pilot, lambda: cut in said, "n's answer")  # old: "… no longer …"
            await pilot.press("x")  # this window's own key aimed at that wait before
            moved_on = "waiter is no longer awaiting a retry"
            await wait_for(pilot, lambda: moved_on in said, "x's answer")
        assert made[0].asked == [("retry_now", "waiter", 1), ("give_up", "waiter", 1)]
        app.shutdown(cancel=True)


# -- the double `f` -----------------------------------------------------------------------


def ended_run(state: S) -> RunModel:
    run = RunModel("etl", ("load",), run_id="r2", number=2)
    run.state = state
    return run


def test_a_refused_rerun_that_has_ended_since_is_said_ended() -> None:
    refused = AlreadyRerunning("r2", 2, 1, "in another window")
    old = "Run #2, a rerun of #1, is already running (started in another window)"
    assert refused.say(lambda action: "c") == old  # as the store found it
    assert refused.said(None, lambda action: "c") == old  # not known here: as it was
    assert refused.said(RunModel("etl", ("load",), run_id="r2", number=2), str) == old  # live
    assert refused.said(ended_run(S.COMPLETED), str) == (
        "Run #2, a rerun of #1, was already started in another window: ✓ Completed"
    )
    source = AlreadyRerunning("r1", 1, None, "here")
    assert source.said(None, lambda action: "c") == (
        "Run #1 is still running: press c to cancel it first"
    )
    assert "✗ Failed now" in source.said(ended_run(S.FAILED), str)


def nap_workspace(tmp_path: Path) -> FakeWorkspace:
    @task
    def nap() -> None:
        return None

    with Flow("nap") as flow:
        nap()
    return FakeWorkspace(tmp_path, {"nap": flow})


def start(number: int, *, elsewhere: bool = False, rerun_of: str | None = None) -> RunStarted:
    event = RunStarted(
        f"r{number}", "nap", number, ("nap",), (1,), ("",), rerun_of=rerun_of, ts=float(number)
    )
    return RunStartedElsewhere(*event) if elsewhere else event


def finish(number: int, state: S = S.COMPLETED) -> RunFinished:
    return RunFinished(f"r{number}", "nap", number, state, {state.value: 1}, 1.0, 9.0)


class LostTheRace(InProcessControl):
    """`f` refused as the store refuses the second window's: another window's rerun #2 is
    live. It ends before the refusal is shown (its events folded first)."""

    app: FlowtopApp

    def rerun_failed(self, run: RunModel) -> RunModel:
        self.app.buffer.append_batch([start(2, elsewhere=True, rerun_of="r1"), finish(2)])
        shown = self.app.store.runs  # (read from this thread: a test's look)
        wait_until(lambda: "r2" in shown and not shown["r2"].is_live, "#2 to end here", 15)
        raise AlreadyRerunning("r2", 2, 1, "in another window")


async def test_the_window_that_lost_a_double_f_says_the_rerun_has_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = controls_made_as(monkeypatch, LostTheRace)
    app = FlowtopApp(nap_workspace(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the control")
        made[0].app = app
        app.flow_list.select_flow("nap")
        app.buffer.append_batch([start(1), finish(1, S.FAILED)])
        await wait_for_text(pilot, app, "run #1")
        with toasts_said(app) as said:
            await pilot.press("f")
            await wait_for(pilot, lambda: any("Run #2" in s for s in said), "the refusal")
        assert [s for s in said if "Run #2" in s] == [
            "Run #2, a rerun of #1, was already started in another window: ✓ Completed"
        ]  # old: "… is already running (started in another window)"
        assert "run #2" in header(app) and "Completed" in header(app)


# -- a flow whose runs were pruned -------------------------------------------------------


def test_a_flow_whose_runs_were_pruned_is_noted_until_a_run_of_it_shows() -> None:
    store = RunStore()
    store.apply_batch([start(1), finish(1, S.FAILED)])
    store.apply_batch([StoreGone("", 10.0, said=False)])  # the log went back: a prune
    assert store.pruned_away == {"nap"}
    assert store.take_pruned() == ["nap"] and store.pruned_away == {"nap"}  # said once, kept
    store.apply_batch([start(2)])
    assert store.pruned_away == set()
    store.apply_batch([finish(2), StoreGone("", 11.0, said=False)])
    store.apply_batch([StoreGone("The run store was deleted", 12.0)])  # not a prune
    assert store.pruned_away == set()


async def test_header_and_history_say_the_runs_were_pruned_not_that_none_ran(
    tmp_path: Path,
) -> None:
    app = FlowtopApp(nap_workspace(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the control")
        app.flow_list.select_flow("nap")
        await wait_for_text(pilot, app, "not run yet — press r to run")  # never run: as ever
        app.buffer.append_batch([start(1), finish(1, S.FAILED)])
        await wait_for_text(pilot, app, "run #1")
        app.buffer.append_batch([StoreGone("", 10.0, said=False)])
        await wait_for(
            pilot,
            lambda: "nap  no runs in the history (pruned) — press r to run" in header(app),
            "the header",
        )  # old: `not run yet — press r to run`
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await wait_for_text(
            pilot, app, "No runs of nap in the history (pruned): press r on the main screen"
        )  # old: "No runs yet of nap"
        await pilot.press("a")
        await wait_for_text(pilot, app, "No runs in the history (pruned): press r")
        await pilot.press("escape")
        app.buffer.append_batch([start(2), finish(2)])
        await wait_for(pilot, lambda: "run #2" in header(app), "a run of it again")
        assert "pruned" not in header(app)
