"""What the task table says in place of rows for a ``@flow`` retry read back from the store.

A window opened after a flow retry's run ended (or during its wait) reads only the retry,
the flow's newest run: the run it retries is not read. Waiting, it said "No tasks yet:
they appear as the flow reaches them", not that it is a retry of a failed run; ended
with no task run, it said a bare "No task ran", not what ended it (its function raised,
returned, or its process died in the wait).
"""

from __future__ import annotations

import time
from pathlib import Path

import fork_cli
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.widgets.no_rows import no_rows_text
from flowtop.workspace import Workspace
from flowtop.workspace.run_log import LogEvent, RunInterrupted
from pilot_kit import screen_text, wait_for

S = StateType
#: The id of the run the retry retries: never read here, as in a window opened later.
FAILED_ID = "3c239d5cefc8"


def retry_read_back(*after: LogEvent, delay: float = 30.0) -> RunModel:
    """Run #6 of ``nightly``, a flow retry of the unread run ``FAILED_ID``, started a
    second ago with its body due in ``delay`` seconds, then ``after``: as the store
    client hands the flow's newest run to a window opened now."""
    started = time.time() - 1.0
    store = RunStore()
    retry = RunStarted(
        "retry6", "nightly", 6, (), (), (), rerun_of=FAILED_ID, ts=started, starts_in=delay
    )
    store.apply_batch([retry, *after])
    run = store.latest_for("nightly")
    assert run is not None and run.number == 6
    return run


def ended(state: S, error: ErrorInfo | None = None) -> RunFinished:
    """Run #6's end, now (its body took a millisecond)."""
    return RunFinished("retry6", "nightly", 6, state, {}, 0.001, time.time(), error=error)


def test_a_waiting_retry_whose_failed_run_was_not_read_says_it_retries_it() -> None:
    said = no_rows_text(retry_read_back())
    assert said == (
        f"Retrying run {FAILED_ID}, which failed (the history says why):"
        " its tasks appear as its body reaches them"
    ), said


def test_an_ended_retry_whose_body_raised_before_any_task_says_what_it_raised() -> None:
    error = ErrorInfo("RuntimeError", "warehouse down\nmore lines", "Traceback …")
    run = retry_read_back(ended(S.FAILED, error=error))
    assert not run.is_live
    assert no_rows_text(run) == "No task ran: the flow raised RuntimeError: warehouse down"


def test_an_ended_retry_that_returned_without_calling_a_task_says_so() -> None:
    assert no_rows_text(retry_read_back(ended(S.COMPLETED))) == (
        "No task ran: the flow completed without calling one"
    )
    assert no_rows_text(retry_read_back(ended(S.FAILED))) == (
        "No task ran: the run ended before reaching one"
    )


def test_a_retry_whose_process_died_in_its_wait_says_it_was_interrupted_there() -> None:
    died = RunInterrupted("retry6", "its process (pid 1 on vm) is gone", time.time())
    assert no_rows_text(retry_read_back(died)) == (
        "No task ran: the run was interrupted in its retry delay (its process (pid 1 on vm) is gone)"
    )
    # found dead after its body was due: it may have died either side of it
    assert no_rows_text(retry_read_back(died, delay=0.5)) == (
        "No task ran: the run was interrupted (its process (pid 1 on vm) is gone)"
    )


def test_a_never_run_flow_and_a_live_run_still_say_their_tasks_are_to_come() -> None:
    assert no_rows_text(RunModel("nightly", [])) == (
        "No tasks yet: they appear as the flow reaches them"
    )
    live = RunModel("nightly", [], run_id="r1", number=1, started=time.time())
    assert no_rows_text(live) == "No tasks yet: they appear as the flow reaches them"


FLOW_FILE = """\
from flowtop import flow


@flow(name="bodyfail", retries=1, retry_delay=0)
def bodyfail() -> None:
    raise RuntimeError("the warehouse is down")
"""


async def test_a_window_opened_after_the_retry_ended_says_what_its_run_raised(
    tmp_path: Path,
) -> None:
    """The reproduction end to end: ``flowtop run`` makes run #1 and its retry #2 (both
    raise before any task), then a new window reads #2 back from the store."""
    (tmp_path / "bodyfail.py").write_text(FLOW_FILE)
    done = fork_cli.run(
        ["run", ".", "--quiet"],
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode != 0, done.stderr  # both runs failed
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(100, 24)) as pilot:
            await wait_for(pilot, lambda: app.store.latest_for("bodyfail") is not None, "run #2")
            app.flow_list.select_flow("bodyfail")
            await pilot.pause()
            text = screen_text(app)
            assert "run #2 (flow retry)" in text
            said = "No task ran: the flow raised RuntimeError: the warehouse is down"
            assert said in text, text
            app.shutdown(cancel=True)
    finally:
        workspace.close()
