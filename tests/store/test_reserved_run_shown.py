"""A run reserved in the store while its process imports the flow file shows in every window.

A run started from another window, a browser tab or ``flowtop run --detach`` is recorded
RUNNING (its number, its owner) before its process imports the flow file, and logs its
start once that is done. Only the window that pressed `r` knew of it meanwhile: another
one kept showing the previous run as if nothing ran (no `▶`, no `c`, and `r` started a
second run without asking), though ``flowtop history`` listed the run RUNNING.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from textual.pilot import Pilot

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import store_schema
from flowtop.workspace.reaper import connect
from flowtop.workspace.run_numbers import reserve_launched
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent, RunsReserved
from pilot_kit import screen_text, wait_for

from .conftest import flowtop, wait_until
from .test_cancel_while_importing import SLOW_IMPORT
from .test_store_cli import runs
from .test_tui_client import client_app

STARTING = "run #2 starting: its process is importing the flow file…"


def header(app: FlowtopApp) -> str:
    return str(app.header.render())


def started_elsewhere(folder: Path) -> Path:
    """A run started by ``flowtop run --detach`` (another window, as far as the app is
    concerned) and held in its import; the file that holds it."""
    importing = folder / "importing"
    importing.touch()
    flowtop("run", ".", "--detach", cwd=folder)
    wait_until(  # the listing's import, then the run process's
        lambda: importing.stat().st_size >= 2, "the run's process to begin its import"
    )
    return importing


async def test_another_windows_run_shows_as_starting_and_c_cancels_it(
    ws: Callable[..., Path],
) -> None:
    folder = ws(slowimport=SLOW_IMPORT)
    async with client_app(folder, "slowimport") as (app, pilot):
        assert flowtop("run", ".", "--quiet", cwd=folder).returncode == 0
        await wait_for(pilot, lambda: "run #1" in header(app), "run #1 shown")
        importing = started_elsewhere(folder)
        try:
            await wait_for(pilot, lambda: STARTING in header(app), "the header")  # old: never
            # in the ended run's place, as a first run shows starting (s56: the header kept
            # `run #1 ✓ Completed` and its rows, while `c` offered to cancel run #2)
            assert "run #1" not in header(app)
            assert app.table.run is not None and app.table.run.run_id is None  # its tasks, not run
            shown = app.store.shown_for("slowimport")
            assert shown is not None and shown.is_live  # the flows list's ▶
            assert "cancel" not in app.footer_hidden_actions()  # `c` offered
            await pilot.press("r")  # asks first, as about any live run
            question = "slowimport is already running (#2). Start another run beside it?"
            await wait_for(pilot, lambda: question in screen_text(app), "the question")
            await pilot.press("n")
            await pilot.press("c")
            await wait_for(
                pilot, lambda: "Cancel run #2 of slowimport?" in screen_text(app), "`c` asks"
            )
            await pilot.press("y")
            wait_until(lambda: _commands(folder), "the cancel to be queued")
        finally:
            importing.unlink()
        await run_two_ends(pilot, app, StateType.CANCELLED)
        assert "starting" not in header(app)
    assert [r.number for r in runs(folder, "CANCELLED")] == [2]


async def run_two_ends(pilot: Pilot[None], app: FlowtopApp, state: StateType) -> None:
    """Let the app run until the store shows run #2, the one started elsewhere, ``state``."""
    await wait_for(
        pilot,
        lambda: (
            (run := app.store.latest_for("slowimport")) is not None
            and run.number == 2
            and run.state is state
        ),
        f"run #2 to show {state.value.lower()}",
        20,
    )


async def test_its_start_replaces_it(ws: Callable[..., Path]) -> None:
    folder = ws(slowimport=SLOW_IMPORT)
    async with client_app(folder, "slowimport") as (app, pilot):
        assert flowtop("run", ".", "--quiet", cwd=folder).returncode == 0
        await wait_for(pilot, lambda: "run #1" in header(app), "run #1 shown")
        importing = started_elsewhere(folder)
        try:
            await wait_for(pilot, lambda: STARTING in header(app), "the header")  # old: never
        finally:
            importing.unlink()
        await run_two_ends(pilot, app, StateType.COMPLETED)
        assert "starting" not in header(app)
        assert not app.store.reserved


def test_the_client_says_the_reserved_runs_as_they_change(tmp_path: Path) -> None:
    """A run reserved (a client opened meanwhile is told as it opens), then its record
    deleted (its process could not be started): ``RunsReserved`` names it, then none.
    Handed only to a client that asks for it."""
    db = tmp_path / ".flowtop" / "history.db"
    said: list[RunsReserved] = []
    others: list[ClientEvent] = []
    lock = threading.Lock()

    def sink(events: Sequence[ClientEvent]) -> None:
        with lock:
            said.extend(e for e in events if isinstance(e, RunsReserved))

    def quiet_sink(events: Sequence[ClientEvent]) -> None:
        others.extend(events)

    client = StoreClient(db, sink, says_reserved=True)
    plain = StoreClient(db, quiet_sink)
    plain.open()
    assert reserve_launched(db, "slowimport", "a" * 32, os.getpid()) == 1
    client.open()  # a window opened while the run imports: told at once
    try:
        assert said and said[-1].runs  # old: never
        (run,) = said[-1].runs
        assert (run.run_id, run.flow, run.number) == ("a" * 32, "slowimport", 1)
        conn = connect(db)
        try:
            with store_schema.write_transaction(conn):
                conn.execute("DELETE FROM runs")
        finally:
            conn.close()
        wait_until(lambda: not said[-1].runs, "no reserved run to be said")
    finally:
        client.close()
        plain.close()
    assert not others  # a client that did not ask is handed nothing new


def _commands(folder: Path) -> bool:
    conn = connect(folder / ".flowtop" / "history.db")
    try:
        return conn.execute("SELECT 1 FROM commands WHERE kind = 'cancel'").fetchone() is not None
    finally:
        conn.close()
