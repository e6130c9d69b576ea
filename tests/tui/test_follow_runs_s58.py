"""What the monitor shows as runs end beside the one it follows, are pruned, or are
killed mid-attempt.

- A monitor on run #1: #2 of the same flow started elsewhere and was cancelled, then #1
  ended: the screen jumped to `run #2 ■ Cancelled` and never showed how #1 ended (a
  user's own interrupted run read as someone else's "Cancelled" one).
- `w` from a newer live run to #1, the newer run then failed: once #1 ends the newer
  one's failure is still shown (it must not be lost), and a toast says how #1 ended.
- After `flowtop history --prune`, the header read `not run yet`: a toast says the runs
  were pruned.
- An attempt running when its run's process was killed kept no duration: TIME blank and
  `⚡ …` in the detail pane, as if still running.
"""

from __future__ import annotations

from pathlib import Path

from flowtop import Flow, task
from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import StoreGone
from pilot_kit import screen_text, toasts_said, wait_for, wait_for_text

from .conftest import FakeWorkspace

S = StateType
SIZE = (120, 36)
GONE = "its process (pid 42 on vm) is gone"


def start(number: int, *, elsewhere: bool = False) -> RunStarted:
    event = RunStarted(f"r{number}", "nap", number, ("nap",), (1,), ("",), ts=float(number))
    return RunStartedElsewhere(*event) if elsewhere else event


def finish(number: int, state: S = S.COMPLETED) -> RunFinished:
    return RunFinished(f"r{number}", "nap", number, state, {state.value: 1}, 1.0, 9.0)


def killed(number: int, ts: float = 9.0) -> RunInterrupted:
    return RunInterrupted(f"r{number}", GONE, ts, flow="nap", run=number)


def shown(store: RunStore) -> int | None:
    run = store.latest_for("nap")
    return None if run is None else run.number


def nap_app(tmp_path: Path) -> FlowtopApp:
    @task
    def nap() -> None:
        return None

    with Flow("nap") as flow:
        nap()
    return FlowtopApp(FakeWorkspace(tmp_path, {"nap": flow}))


def header(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[0]


def test_the_followed_run_stays_shown_when_it_ends_after_a_newer_run_ended_elsewhere() -> None:
    store = RunStore()
    store.apply_batch([start(1), start(2, elsewhere=True)])
    store.apply_batch([finish(2, S.CANCELLED)])
    assert shown(store) == 1  # (as before: #1 still runs)
    store.apply_batch([killed(1)])
    run = store.latest_for("nap")
    assert run is not None and run.number == 1 and run.look[1] == "Interrupted"  # old: #2
    assert "r2" not in store.runs and store.take_evicted() == ["r2"]  # in the history only
    assert store.take_moved_on() == []  # nothing to say: its end is on screen


def test_a_newer_run_w_went_from_is_still_shown_and_the_followed_end_said() -> None:
    store = RunStore()
    store.apply_batch([start(1), start(2)])
    store.show(store.runs["r1"])  # w, from #2 (seen live here) to #1
    store.apply_batch([finish(2, S.FAILED), finish(1, S.CANCELLED)])
    assert shown(store) == 2
    [(ended, now)] = store.take_moved_on()
    assert (ended.number, ended.state, now.number) == (1, S.CANCELLED, 2)
    assert store.take_moved_on() == []


async def test_the_screen_shows_how_the_run_it_followed_ended(tmp_path: Path) -> None:
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with toasts_said(app) as said:
            app.buffer.append_batch([start(1)])
            await wait_for_text(pilot, app, "run #1")
            app.buffer.append_batch([start(2, elsewhere=True)])
            await wait_for_text(pilot, app, "2 live runs (#1, #2)")
            app.buffer.append_batch([finish(2, S.CANCELLED)])
            await wait_for(pilot, lambda: len(app.store.live_for("nap")) == 1, "#2 to end")
            app.buffer.append_batch([killed(1)])
            await wait_for(pilot, lambda: not app.store.live_for("nap"), "#1 to end")
            await wait_for_text(pilot, app, "⚡ Interrupted")
            assert "run #1" in header(app) and "Cancelled" not in header(app)  # old: #2 ■
            assert app.table.run is not None and app.table.run.number == 1
            assert not [s for s in said if "ended" in s]


async def test_moving_on_from_the_followed_run_says_how_it_ended(tmp_path: Path) -> None:
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with toasts_said(app) as said:
            app.buffer.append_batch([start(1), start(2)])
            await wait_for_text(pilot, app, "run #2")
            await pilot.press("w")
            await wait_for(pilot, lambda: "run #1" in header(app), "w to show #1")
            app.buffer.append_batch([finish(2, S.FAILED)])
            await wait_for(pilot, lambda: len(app.store.live_for("nap")) == 1, "#2 to end")
            app.buffer.append_batch([killed(1)])
            await wait_for(pilot, lambda: "run #2" in header(app), "#2 shown once #1 ended")
            await wait_for(pilot, lambda: any("run #1 ended" in s for s in said), "the toast")
        [toast] = [s for s in said if "run #1 ended" in s]
        assert "⚡ Interrupted" in toast and GONE in toast and "run #2" in toast


def test_a_prune_that_took_the_shown_runs_is_noted_once() -> None:
    store = RunStore()
    store.apply_batch([start(1), finish(1, S.FAILED)])
    store.apply_batch([StoreGone("", 10.0, said=False)])  # the log went back: a prune
    assert shown(store) is None
    assert store.take_pruned() == ["nap"] and store.take_pruned() == []


def test_a_deleted_store_or_a_run_kept_by_the_prune_is_not_said_pruned() -> None:
    store = RunStore()
    store.apply_batch([start(1), finish(1, S.FAILED)])
    store.apply_batch([StoreGone("The run store was deleted", 10.0)])  # said by its own toast
    assert store.take_pruned() == []
    store.apply_batch([start(2), finish(2, S.FAILED)])
    store.apply_batch([StoreGone("", 11.0, said=False), start(2), finish(2, S.FAILED)])
    assert shown(store) == 2 and store.take_pruned() == []  # handed on again: still there


async def test_the_monitor_says_the_runs_it_showed_were_pruned(tmp_path: Path) -> None:
    app = nap_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        with toasts_said(app) as said:
            app.buffer.append_batch([start(1), finish(1, S.FAILED)])
            await wait_for_text(pilot, app, "run #1")
            app.buffer.append_batch([StoreGone("", 10.0, said=False)])
            await wait_for(pilot, lambda: any("pruned" in s for s in said), "the toast")
        [toast] = [s for s in said if "pruned" in s]
        assert "runs of nap" in toast and "no longer in it" in toast


def test_an_attempt_running_when_its_process_died_keeps_the_time_it_ran() -> None:
    store = RunStore()
    store.apply_batch([start(1), TaskStateChanged("r1", "nap", "nap", S.RUNNING, 1, 6, 100.0)])
    store.apply_batch([killed(1, ts=105.5)])
    row = store.runs["r1"].rows["nap"]
    assert row.attempts[-1].duration == 5.5  # old: None, the pane read `⚡ …`
    assert row.live_duration(1_000.0) == 5.5 and row.time_text(1_000.0) != ""  # old: blank
    assert row.state_text(1_000.0) == "⚡ Interrupted"


def test_an_attempt_whose_end_time_is_not_known_keeps_no_duration() -> None:
    store = RunStore()
    store.apply_batch([start(1), TaskStateChanged("r1", "nap", "nap", S.RUNNING, 1, 6, 100.0)])
    store.apply_batch([killed(1, ts=0.0)])  # (the reaper's own fold: no last sign of life)
    assert store.runs["r1"].rows["nap"].attempts[-1].duration is None
