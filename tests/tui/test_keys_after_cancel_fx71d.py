"""Keys that said the wrong thing: `f`, `t` and `r` typed as a cancel lands; the keys of a
task or a run in a folder of no flow.

1. `c y f` typed quickly (one read, as over SSH): the `f` came before the cancel was even
   asked, and found its run live: "Run #3 is still running: press c to cancel it first",
   under a header that read `■ Cancelled` a moment later, and nothing reran. `c y r`
   asked "start another beside it?", then said "live is not running any more". They now
   wait for the run to end, as keys pressed behind a launch wait for it to land, then act;
   one waiting long says what for. A cancel the run's process has not taken lets them go:
   `f` then says the run is being cancelled.
2. In a folder of no flow, `o`, `y`, `n`, `x` and `w` said they work on a task with an
   error (or awaiting retry), or that "this flow" had no live run: they say what `r` says.
3. A folder whose only file fails to import: the first load's toast said
   `odd.py:7: AssertionError; loaded 0 flows from 0 files`, as if nothing was found.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from textual import events

from flowtop.tui import cancel_keys, cancel_words, run_control
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.workspace import Workspace
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from flowtop.workspace.places import STORE_FILE
from pilot_kit import toasts_said, wait_for

from .conftest import FakeWorkspace
from .test_answers_off_the_queue import SIZE, start_and_wait_for_the_retry
from .test_cancel_ack_s59 import run_pid, stopped

#: ``nap`` sleeps a minute: a run live until it is cancelled (``waiter``: what
#: ``start_and_wait_for_the_retry`` waits for, failed once, its retry a minute away).
FLOW = """
import time
from flowtop import Flow, task

@task(max_retries=5, retry_delay=60)
def waiter():
    raise ConnectionError("down")

@task
def nap():
    time.sleep(60)

with Flow("slow") as flow:
    waiter()
    nap()
"""

NO_FLOWS = "No flows here yet: save a .py file that defines a Flow in this folder"


@pytest.fixture
def slow(tmp_path: Path) -> Iterator[Workspace]:
    (tmp_path / "slow.py").write_text(FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace
    workspace.close()


def burst(app: FlowtopApp, *keys: str) -> None:
    """Keys that arrive in one read: all queued before the app handles the first."""
    for key in keys:
        app.post_message(events.Key(key, key))


def newest(app: FlowtopApp) -> int | None:
    """The number of the newest run of ``slow``, shown or starting."""
    run = app.store.launched.get("slow") or app.store.latest_for("slow")
    return None if run is None else run.number


def wrong(said: list[str]) -> list[str]:
    return [t for t in said if "still running" in t or "not running any more" in t]


@pytest.mark.parametrize("key", ["f", "t", "r"])
async def test_a_key_typed_with_the_yes_of_a_cancel_acts_once_the_run_has_ended(
    slow: Workspace, key: str
) -> None:
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        with toasts_said(app) as said:
            burst(app, "c", "y", key)
            # old: `f`, `t` refused ("Run #1 is still running: press c to cancel it
            # first"), `r` asked "start another?", then "slow is not running any more"
            await wait_for(pilot, lambda: newest(app) == 2 or wrong(said), "run #2", 30)
            assert not wrong(said), said
            assert not isinstance(app.screen, ConfirmScreen)  # (`r`: "start another?")
        app.shutdown(cancel=True)


async def test_a_key_waiting_for_a_stopped_process_says_so_then_acts(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's process stopped: `f` waits for the run to end for as long as the cancel
    is not known to be stalled, saying what it waits for; the process goes on, the run
    ends cancelled, and `f` reruns it."""
    monkeypatch.setattr(run_control, "CANCEL_WAIT", 60.0)  # a guard, no timing check
    monkeypatch.setattr(cancel_keys, "SLOW_LAUNCH", 0.01)  # its toast at once
    # a process busy, not seen stopped (a stop the liveness check sees is said at once)
    monkeypatch.setattr(run_control, "stopped_words", lambda run_id: None)
    monkeypatch.setattr(cancel_words, "stopped_words", lambda run_id: None)
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        waits = "Run #1 of slow is being cancelled: f reruns it once it has ended…"
        with toasts_said(app) as said:
            with stopped(run_pid(app), slow.state_dir / STORE_FILE):
                await pilot.press("c")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
                await pilot.press("y", "f")
                await wait_for(pilot, lambda: waits in said or wrong(said), repr(waits))
                assert not wrong(said), said  # old: "Run #1 is still running: press c …"
                assert newest(app) == 1
            await wait_for(pilot, lambda: newest(app) == 2, "f's rerun", 30)
        assert not wrong(said), said
        app.shutdown(cancel=True)


async def test_f_after_a_cancel_its_process_has_not_taken_says_the_run_is_being_cancelled(
    slow: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run_control, "CANCEL_WAIT", 0.3)  # short, no timing check
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        untaken = "Cancel of run #1 of slow is queued"
        being = "Run #1 of slow is being cancelled: press f once it has ended"
        with toasts_said(app) as said, stopped(run_pid(app), slow.state_dir / STORE_FILE):
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
            await pilot.press("y")
            await wait_for(pilot, lambda: any(untaken in t for t in said), repr(untaken))
            await pilot.press("f")
            # old: "Run #1 is still running: press c to cancel it first"
            await wait_for(pilot, lambda: being in said or wrong(said), repr(being))
            assert not wrong(said), said
            assert newest(app) == 1
        app.shutdown(cancel=True)


@pytest.mark.parametrize("key", ["o", "y", "n", "x", "w"])
async def test_a_task_or_run_key_in_a_folder_of_no_flow_says_there_is_none(
    tmp_path: Path, key: str
) -> None:
    """Old: `o` "Open in editor works on a task with an error (✗ or ⟳)", `y` likewise,
    `n` and `x` "… works on a task awaiting retry (⟳)", `w` "No live run of this flow to
    switch to"; `r` said it right (``test_app``)."""
    app = FlowtopApp(FakeWorkspace(tmp_path, {}), watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        with toasts_said(app) as said:
            await pilot.press(key)
            await wait_for(pilot, lambda: said, "the toast")
        assert said == [NO_FLOWS], said


async def test_the_first_load_of_a_folder_whose_only_file_fails_says_no_flow_loaded(
    tmp_path: Path,
) -> None:
    (tmp_path / "odd.py").write_text("from flowtop import Flow\n\n\n\n\n\nassert False\n")
    workspace = Workspace(tmp_path)
    app = FlowtopApp(workspace, watch=False, load=True)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:

            def said() -> list[str]:
                return [str(n.message) for n in app._notifications if "odd.py" in str(n.message)]

            await wait_for(pilot, said, "the first load's toast")
            # old: "odd.py:7: AssertionError; loaded 0 flows from 0 files"
            (toast,) = said()
            assert toast.endswith("odd.py:7: AssertionError; no flow loaded"), toast
    finally:
        workspace.close()


def test_a_first_load_that_loaded_no_flow_says_so(tmp_path: Path) -> None:
    error = LoadError(tmp_path / "odd.py", 7, None, "AssertionError")
    assert WorkspaceChanged(errors=(error,)).first_load().summary() == f"{error}; no flow loaded"
    # a file that loaded with no flow in it: no flow loaded either
    change = WorkspaceChanged(modules=("helpers.py",), errors=(error,)).first_load()
    assert change.summary() == f"{error}; no flow loaded"
    loaded = WorkspaceChanged(modules=("etl.py",), flows=("etl",), errors=(error,))
    assert loaded.first_load().summary() == f"{error}; loaded 1 flow from 1 file"
