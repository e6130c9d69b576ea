"""The TUI as a client of the run store: its runs live in their own processes."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import fork_cli
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from flowtop.workspace.history_records import RunRecord
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text, wait_for

from .conftest import ETL, WAITING, env

SIZE = (120, 36)
S = StateType


@contextlib.asynccontextmanager
async def client_app(folder: Path, flow: str) -> AsyncIterator[tuple[FlowtopApp, Any]]:
    """The real app on ``folder``, running flows in run processes, with ``flow`` selected."""
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow(flow)
            await pilot.pause()
            yield app, pilot
            app.shutdown(cancel=True)
    finally:
        workspace.close()


def latest_state(app: FlowtopApp, flow: str) -> S | None:
    run = app.store.latest_for(flow)
    return None if run is None else run.state


def store_runs(folder: Path) -> list[RunRecord]:
    return StoreReader(folder / ".flowtop" / "history.db").runs()


async def test_r_runs_in_a_process_and_f_reuses_its_results_after_a_restart(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(ETL.replace("\n    ", "\n").lstrip())
    async with client_app(tmp_path, "etl") as (app, pilot):
        await pilot.press("r")
        await wait_for(pilot, lambda: latest_state(app, "etl") is S.FAILED, "the run to fail", 20)
        (run,) = store_runs(tmp_path)
        assert run.owner == "" or run.state == "FAILED"
    assert (tmp_path / "extract-count").read_text() == "1"
    (tmp_path / "ok").touch()
    async with client_app(tmp_path, "etl") as (app, pilot):  # a new TUI: the same store
        await wait_for(pilot, lambda: latest_state(app, "etl") is S.FAILED, "the stored run", 10)
        assert "run #1" in screen_text(app)
        await pilot.press("f")
        await wait_for(
            pilot, lambda: latest_state(app, "etl") is S.COMPLETED, "the rerun to complete", 20
        )
        rerun = app.store.latest_for("etl")
        assert rerun is not None and rerun.number == 2 and rerun.reused == 1
        await pilot.pause(0.1)
        assert "↺ Reused" in screen_text(app)
    assert (tmp_path / "extract-count").read_text() == "1"  # extract was not run again


async def test_x_gives_up_a_retry_of_a_run_owned_by_flowtop_run(tmp_path: Path) -> None:
    (tmp_path / "waiting.py").write_text(WAITING.replace("\n    ", "\n").lstrip())
    async with client_app(tmp_path, "waiting") as (app, pilot):
        owner = fork_cli.popen(
            [sys.executable, "-m", "flowtop", "run", ".", "--quiet"],
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env(),
        )
        try:
            await wait_for(
                pilot,
                lambda: (
                    (run := app.store.latest_for("waiting")) is not None
                    and run.rows["waiter"].state is S.AWAITING_RETRY
                ),
                "the other process's run to wait for a retry",
                20,
            )
            await pilot.press("x")
            await wait_for(pilot, lambda: latest_state(app, "waiting") is S.FAILED, "x applied", 10)
            assert owner.wait(10) == 1  # the owner ended its run: failed, given up
        finally:
            if owner.poll() is None:
                owner.kill()


async def ask_to_quit(app: FlowtopApp, pilot: Any) -> None:
    """``r`` on the waiting flow, then ``q`` while its run is live: the quit question is up."""
    await pilot.press("r")
    await wait_for(pilot, lambda: latest_state(app, "waiting") is S.RUNNING, "a live run", 20)
    await pilot.press("q")
    await pilot.pause(0.1)
    assert "1 run started here is still running" in screen_text(app)


async def test_q_keeps_runs_started_here_running_by_default(tmp_path: Path) -> None:
    (tmp_path / "waiting.py").write_text(WAITING.replace("\n    ", "\n").lstrip())
    async with client_app(tmp_path, "waiting") as (app, pilot):
        await ask_to_quit(app, pilot)
        assert "Keep it running in the background" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause(0.1)
    (run,) = store_runs(tmp_path)
    assert run.state == "RUNNING"  # the TUI is gone; its run goes on
    from flowtop.workspace.owner_agent import enqueue

    enqueue(tmp_path / ".flowtop" / "history.db", run.run_id, "cancel")
    import time

    deadline = time.monotonic() + 10
    while store_runs(tmp_path)[0].state == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert store_runs(tmp_path)[0].state == "CANCELLED"


async def test_the_quit_question_goes_away_with_the_runs_it_asks_about(tmp_path: Path) -> None:
    """q asked about a live run; the run ends meanwhile (cancelled from another terminal):
    nothing is left to ask about, so the app quits as it was told."""
    from flowtop.workspace.owner_agent import enqueue

    (tmp_path / "waiting.py").write_text(WAITING.replace("\n    ", "\n").lstrip())
    async with client_app(tmp_path, "waiting") as (app, pilot):
        await ask_to_quit(app, pilot)
        (run,) = store_runs(tmp_path)
        enqueue(tmp_path / ".flowtop" / "history.db", run.run_id, "cancel")
        await wait_for(pilot, lambda: app.return_code == 0, "the app to quit", 10)
    assert store_runs(tmp_path)[0].state == "CANCELLED"


#: A flow file that loads for the flows list, then does ``{action}`` at import in the run
#: process: once a file named ``broken`` exists beside it (made after the TUI loaded it).
BREAKS_LATER = """
import os
from pathlib import Path
from flowtop import Flow, task

if (Path(__file__).parent / "broken").exists():
    {action}

@task
def extract():
    return 1

flow = Flow("etl")
flow.add_task(extract)
"""


@contextlib.asynccontextmanager
async def r_once_broken(folder: Path, action: str) -> AsyncIterator[tuple[FlowtopApp, Any]]:
    """The app on ``BREAKS_LATER``, after ``r`` once the file broke and its run ended."""
    (folder / "etl.py").write_text(BREAKS_LATER.format(action=action).lstrip())
    async with client_app(folder, "etl") as (app, pilot):
        (folder / "broken").touch()
        await pilot.press("r")
        await wait_for(pilot, lambda: latest_state(app, "etl") is S.FAILED, "the run to end", 20)
        await pilot.pause(0.1)
        yield app, pilot


async def test_r_on_a_file_that_fails_in_the_run_process_shows_why_the_run_did_not_start(
    tmp_path: Path,
) -> None:
    """The file loaded fine for the flows list, then failed in the run process: the
    reason is on screen, not only in the run process's log file."""
    async with r_once_broken(tmp_path, "raise RuntimeError('the database is down')") as (app, _):
        text = screen_text(app)
        assert "✗ Failed  0s  did not start: " in text  # the header, then the reason
        assert "· Not run" in text  # its tasks, listed for `e` (no task ran)
        run = app.store.latest_for("etl")
        assert run is not None and run.error is not None
        assert run.error.message.endswith("etl.py:6: RuntimeError: the database is down")
        # In full below, where the header had to cut it
        below = "".join(screen_text(app).split("The run did not start:", 1)[1].split()).replace(
            "▕", ""
        )
        assert "etl.py:6:RuntimeError:thedatabaseisdown" in below  # however it wrapped


async def test_r_on_a_file_that_ends_the_run_process_while_importing_shows_it_interrupted(
    tmp_path: Path,
) -> None:
    """The run process dies before logging its start: its reserved run is found without
    an owner and shown, not left invisible."""
    async with r_once_broken(tmp_path, "os._exit(3)") as (app, _):
        text = screen_text(app)
        assert "interrupted: ended before any task was recorded as started" in text
        said = "No task ran: the run was interrupted (ended before any task was recorded as"
        assert said in text and "is gone)" in text, text  # (wrapped over two lines)


def test_a_run_is_not_started_where_the_store_cannot_record_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It ran unrecorded and the TUI showed nothing of it. (Faked: root writes any file,
    so the test says what access() answers on a read-only store.)"""
    from flowtop.workspace import store_client
    from flowtop.workspace.store_client import StoreClient

    client = StoreClient(tmp_path / ".flowtop" / "history.db", lambda events: None)
    monkeypatch.setattr(store_client.os, "access", lambda path, mode: False)
    with pytest.raises(PermissionError, match=r"history\.db is read-only here"):
        client.start(tmp_path / "etl.py", "etl")
    assert client.started == {}


#: A flow file whose import lasts while the file ``importing`` exists, as a heavy
#: library's would: its run process says nothing meanwhile, for as long as the test takes
#: to press its keys on any machine, without a fixed sleep.
SLOW_IMPORT = """
import time
from pathlib import Path
from flowtop import Flow, task

held_until = time.monotonic() + 30  # a test that failed midway lets go anyway
while Path(__file__).with_name("importing").exists() and time.monotonic() < held_until:
    time.sleep(0.01)

@task(max_retries=3, retry_delay=30)
def waiter():
    raise ConnectionError("not yet")

with Flow("slow") as flow:
    waiter()
"""


async def test_keys_pressed_together_act_on_the_run_just_started(tmp_path: Path) -> None:
    """`rr` started two runs without asking, `ff` (or a held `f`) one rerun per press,
    and `rc` said "Nothing is running here": the screen knew a run only once its process
    had imported the flow and said so."""
    (tmp_path / "slow.py").write_text(SLOW_IMPORT)
    importing = tmp_path / "importing"
    async with client_app(tmp_path, "slow") as (app, pilot):
        importing.touch()  # the runs' imports last until the keys are pressed
        await pilot.press("r", "r")
        await wait_for(pilot, lambda: "already running (#1)" in screen_text(app), "the question")
        await pilot.press("n", "c")
        assert app.store.latest_for("slow") is None  # still importing: not on screen yet
        await wait_for(pilot, lambda: "Cancel run #1 of slow?" in screen_text(app), "c's question")
        await pilot.press("y")
        importing.unlink()
        await wait_for(pilot, lambda: latest_state(app, "slow") is S.CANCELLED, "the cancel", 20)
        importing.touch()
        await pilot.press("f", "f", "f")
        await wait_for(pilot, lambda: "Run #2 is starting" in screen_text(app), "the refusal")
        importing.unlink()
        await wait_for(pilot, lambda: latest_state(app, "slow") is S.RUNNING, "the rerun", 20)
    assert sorted(r.number for r in store_runs(tmp_path)) == [1, 2]
