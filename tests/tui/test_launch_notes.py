"""What a run process started from the TUI says about its run reaches the TUI.

A rerun said which tasks ran again and why (`make runs again: its result can't be
pickled`), and a run the store refused (another process held it locked) said so: both
only in the run's log, `.flowtop/logs/RUN_ID.log`. In the TUI a refused run just never
showed, and a rerun ran a task again with no word why.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.launch_notes import MAX_FOLLOWED, NOTICE_CHARS, NOTICE_LINES, LaunchLogs
from flowtop.tui.run_control import StoreControl
from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

S = StateType

#: The mark the launcher gave the run process (``Launched.notice_mark``), and how the
#: process's notices start with it: the command it runs, then the mark.
MARK = "0a1b2c3d"
SAID = f"flowtop run[{MARK}]: "
LOCKED = (
    f"{SAID}/w/.flowtop/history.db: cannot use the run store (database is locked); "
    "another flowtop process holds it; try again in a moment (the run was not started)\n"
)


def test_each_notice_is_handed_over_once_and_the_runs_own_lines_are_not(
    tmp_path: Path,
) -> None:
    log = tmp_path / "r1.log"
    log.write_text("")
    logs = LaunchLogs()
    logs.follow("r1", log, "A run of etl", MARK)
    assert logs.notices() == []
    with log.open("a") as out:
        out.write("21:49:19 etl #2 started: 2 tasks\n" + LOCKED[:40])  # a line not ended yet
    assert logs.notices() == []
    with log.open("a") as out:
        out.write(LOCKED[40:])
    assert logs.notices() == [f"A run of etl: {LOCKED.removeprefix(SAID).strip()}"]
    assert logs.notices() == []
    logs.close()


def test_a_log_deleted_before_it_was_read_is_still_read_then_let_go(tmp_path: Path) -> None:
    """A quick run's end is recorded, and its log deleted, before the next read."""
    log = tmp_path / "r2.log"
    log.write_text("")
    logs = LaunchLogs()
    logs.follow("r2", log, "Run #2 of etl", MARK)
    log.write_text(f"{SAID}extract runs again: its result was not stored")  # no newline
    log.unlink()
    assert logs.notices() == ["Run #2 of etl: extract runs again: its result was not stored"]
    assert logs._followed == {}


def test_a_long_notice_is_cut_and_a_missing_log_is_no_error(tmp_path: Path) -> None:
    logs = LaunchLogs()
    logs.follow("gone", tmp_path / "never.log", "A run of etl", MARK)  # no log: nothing to say
    log = tmp_path / "r3.log"
    log.write_text(SAID + "x" * 1000 + "\n")
    logs.follow("r3", log, "Run #3 of etl", MARK)
    (said,) = logs.notices()
    assert len(said) == NOTICE_CHARS and said.endswith("…")
    for n in range(MAX_FOLLOWED + 5):
        logs.follow(f"x{n}", log, "Run", MARK)
    assert len(logs._followed) == MAX_FOLLOWED
    logs.close()


NOTES = """
import threading

from flowtop import Flow, task


@task
def make() -> object:
    return threading.Lock()  # no pickle takes it: a rerun runs it again


@task
def use(lock: object) -> None:
    raise ValueError("use failed")


with Flow("notes") as flow:
    use(make())
"""


@contextlib.asynccontextmanager
async def launching(folder: Path) -> AsyncIterator[tuple[FlowtopApp, Any]]:
    """The monitor of ``folder``'s flows, its runs processes of their own, once ready to
    start one: the app and its pilot; the workspace closed after."""
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            yield app, pilot
    finally:
        workspace.close()


async def test_a_rerun_says_in_the_tui_which_task_runs_again_and_why(tmp_path: Path) -> None:
    (tmp_path / "notes.py").write_text(NOTES)
    async with launching(tmp_path) as (app, pilot):

        def state() -> S | None:
            run = app.store.latest_for("notes")
            return None if run is None else run.state

        await pilot.press("r")
        await wait_for(pilot, lambda: state() is S.FAILED, "run #1 to fail", 30)
        await pilot.press("f")
        await wait_for(
            pilot,
            lambda: "Run #2 of notes: make runs again: " in screen_text(app),
            "the rerun's note",  # old: only in .flowtop/logs/RUN_ID.log
            30,
        )
        await wait_for(pilot, lambda: state() is S.FAILED, "run #2 to fail", 30)
        app.shutdown(cancel=True)


def test_a_runs_many_notices_are_one_toast_of_a_few_lines(tmp_path: Path) -> None:
    """A rerun of a flow whose results could not be stored says why for every task."""
    log = tmp_path / "r4.log"
    log.write_text("".join(f"{SAID}t{n} runs again: its result was not stored\n" for n in range(9)))
    logs = LaunchLogs()
    logs.follow("r4", log, "Run #4 of etl", MARK)
    (said,) = logs.notices()
    assert said.splitlines() == [
        "Run #4 of etl:",
        *(f"  t{n} runs again: its result was not stored" for n in range(NOTICE_LINES)),
        f"  … and {9 - NOTICE_LINES} more",
    ]
    logs.close()


def test_only_the_lines_the_run_process_marked_are_notices(tmp_path: Path) -> None:
    """The run's own output shares the log: a ``flowtop run: …`` line its flow printed (or
    a ``flowtop`` it ran said), and one marked by another process, are the run's lines."""
    log = tmp_path / "r5.log"
    log.write_text(
        "flowtop: printed by the flow\n"
        "flowtop run: printed by the flow\n"
        "flowtop run[ffffffff]: said by a flowtop the flow ran\n"
        f"{SAID}extract runs again: its result was not stored\n"
    )
    logs = LaunchLogs()
    logs.follow("r5", log, "Run #5 of etl", MARK)
    assert logs.notices() == ["Run #5 of etl: extract runs again: its result was not stored"]
    logs.follow("r6", log, "Run #6 of etl", "")  # no mark: no line is a notice
    assert "r6" not in logs._followed
    logs.close()


FORGES = """
import os
import subprocess
import sys

from flowtop import flow


@flow
def forges() -> int:
    print("flowtop: forged by the flow body")
    print("flowtop: forged on stderr", file=sys.stderr, flush=True)
    sys.stdout.flush()
    os.write(1, b"flowtop: forged on the file descriptor\\n")
    said = "from flowtop.printable import say; say('forged by a flowtop the flow runs')"
    subprocess.run([sys.executable, "-c", said], check=True)
    return 1
"""


def exited(pid: int) -> bool:
    """Whether the run process (a child of this one) has ended: all its output written."""
    try:
        ended, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:  # reaped already
        return True
    return ended == pid


async def test_a_flow_printing_flowtop_lines_makes_no_notice(tmp_path: Path) -> None:
    """Each of these lines was a toast, "Run #1 of forges: forged by the flow body"."""
    (tmp_path / "forges.py").write_text(FORGES)
    async with launching(tmp_path) as (app, pilot):
        app.flow_list.select_flow("forges")
        await pilot.press("r")
        control = app.control
        assert isinstance(control, StoreControl)
        await wait_for(pilot, lambda: control.client.started, "the launch")
        (launched,) = control.client.started.values()
        await wait_for(pilot, lambda: exited(launched.pid), "the run process to end", 30)

        def completed() -> bool:  # as the monitor reads it from the store, a moment later
            run = app.store.latest_for("forges")
            return run is not None and run.state is S.COMPLETED

        await wait_for(pilot, completed, "the run's end on screen", 10)
        # and what the notices' tick has not said yet: the log is read to its end
        said = [str(n.message) for n in app._notifications] + control.notices()
        assert not any("forged" in text for text in said), said
        app.shutdown()
