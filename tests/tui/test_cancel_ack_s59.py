"""`c`, and quitting with "cancel", say when a run's process has not taken the cancel.

A run's process stopped (``kill -STOP``, a frozen VM) or busy takes a cancel only once
it goes on. ``flowtop cancel`` says so ("did not take the request within 5s; it stays
queued"); the monitor said nothing: after `c` `y` no toast, the header still
`▶ Running`, and `q` → *Cancel it* quit at once, silent, the run still RUNNING. Both now
wait a few seconds (``CANCEL_WAIT``) for the process's answer, `c` off the queue of store
writes as `n` and `x` do, and say that the cancel is queued and why.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.states import StateType
from flowtop.tui import run_control
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.tui.screens.quit import QuitScreen
from flowtop.workspace import Workspace
from flowtop.workspace.places import STORE_FILE
from flowtop.workspace.proc_stat import proc_stat
from pilot_kit import toasts_said, wait_for, wait_for_run
from waits import wait_until

from .test_answers_off_the_queue import FLOW, SIZE, start_and_wait_for_the_retry

S = StateType

#: What is said of a cancel the run's stopped process has not taken, after its pid.
UNTAKEN = "resumes it); it ends once it runs again"


@pytest.fixture
def slow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    # the wait for an answer a stopped process never gives: short, no timing check
    monkeypatch.setattr(run_control, "CANCEL_WAIT", 0.3)
    (tmp_path / "slow.py").write_text(FLOW)
    workspace = Workspace(tmp_path)
    workspace.load()
    yield workspace
    workspace.close()


@contextmanager
def stopped(pid: int, db: Path) -> Iterator[None]:
    """The run's process stopped (``kill -STOP``) in the block, outside a write to the
    store ``db`` (stopped holding its lock, `c` could not write the cancel: 1 in 15 under
    load), then let go on."""

    def stops_unlocked() -> bool:
        os.kill(pid, signal.SIGSTOP)
        wait_until(lambda: proc_stat(pid)[:1] == ["T"], "the run's process to stop")
        try:
            with closing(sqlite3.connect(db, timeout=0.2, isolation_level=None)) as conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("ROLLBACK")
        except sqlite3.OperationalError:  # locked: once more
            os.kill(pid, signal.SIGCONT)
            return False
        return True

    try:
        wait_until(stops_unlocked, "a stop outside a write", 30)
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


def run_pid(app: FlowtopApp) -> int:
    """The pid of the process of the one run started here, as the store records it."""
    control: Any = app.control
    (record,) = control.client.live_started_here()
    found = re.match(r"pid (\d+) on ", record.owner)
    assert found is not None, record.owner
    return int(found.group(1))


def run_states(workspace: Workspace) -> list[str]:
    uri = f"file:{workspace.state_dir / 'history.db'}?mode=ro"
    with closing(sqlite3.connect(uri, uri=True)) as conn:
        return [state for (state,) in conn.execute("SELECT state FROM runs")]


async def test_c_on_a_stopped_run_process_says_the_cancel_is_queued_and_why(
    slow: Workspace,
) -> None:
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        pid = run_pid(app)
        queued = "Cancel of run #1 of slow is queued: its process is stopped (paused, pid "
        with toasts_said(app) as said, stopped(pid, slow.state_dir / STORE_FILE):
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
            await pilot.press("y")
            # old: no toast at all, however long one waited
            await wait_for(pilot, lambda: any(queued in text for text in said), repr(queued))
            assert app.table.run is not None and app.table.run.is_live
        (toast,) = [text for text in said if queued in text]
        assert toast.endswith(UNTAKEN), toast
        # let go on, the process takes the cancel it was sent
        await wait_for_run(pilot, app, S.CANCELLED)
        assert not [text for text in said if "Could not" in text], said


async def test_c_on_a_run_process_that_takes_it_says_nothing_more(slow: Workspace) -> None:
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        with toasts_said(app) as said:
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "c's ask")
            await pilot.press("y")
            await wait_for_run(pilot, app, S.CANCELLED)
        assert not [text for text in said if "Cancel of" in text], said


async def test_quit_with_cancel_on_a_stopped_run_process_says_so_as_it_quits(
    slow: Workspace, capsys: pytest.CaptureFixture[str]
) -> None:
    app = FlowtopApp(slow, watch=False, run_processes=True)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await start_and_wait_for_the_retry(pilot, app)
        pid = run_pid(app)
        with stopped(pid, slow.state_dir / STORE_FILE):
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), "q's ask")
            await pilot.press("c")
            await wait_for(pilot, lambda: app.return_code == 0, "the app to quit")
            assert run_states(slow) == ["RUNNING"]  # as said: the cancel is only queued
    said = " ".join(capsys.readouterr().err.split())  # (as wrapped to the terminal)
    # old: it quit at once, nothing printed
    queued = "flowtop: quit; Cancel of run #1 of slow is queued: its process is stopped"
    assert f"{queued} (paused, pid {pid}: kill -CONT {pid} {UNTAKEN}" in said, said
