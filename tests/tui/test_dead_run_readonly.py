"""A dead run in a store nothing here can mark (read-only, or its disk full) reads ended.

``flowtop history`` and ``watch`` said INTERRUPTED "(not marked: … read-only here)",
while the TUI showed the run ``▶ Running``, its clock going on, asked whether to start
another beside it, and offered ``c Cancel`` for a run with no process. It never asked the
reaper which dead runs it could not mark. (As root every file is writable: the store's
refusal is stood in for by SQLite's error where the reaper writes.)
"""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace, reaper
from flowtop.workspace.history import History
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_client import StoreClient
from pilot_kit import screen_text, wait_for, wait_for_text

#: A pid above any pid_max on this host: its owner cannot be alive.
DEAD_OWNER = f"{reaper._HOST}:999999999:dead"

FLOW = """
    from flowtop import Flow, task

    @task(max_retries=3, retry_delay=30)
    def waiter():
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
"""


def dead_run(db: Path) -> str:
    """A run of ``waiting`` left RUNNING by a process that is gone, its task running."""
    history = History(db)
    run_id = "deadbeef0001"
    started = RunStarted(run_id, "waiting", 1, ("waiter",), (4,), ("3× 30s",), ts=1000.0)
    step = TaskStateChanged(run_id, "waiting", "waiter", StateType.RUNNING, 1, 4, 1001.0)
    history([started, step])
    assert history.flush()
    with sqlite3.connect(db) as raw:  # as if its process had died
        raw.execute("UPDATE runs SET owner = ?, pid = NULL, heartbeat = 1002.0", (DEAD_OWNER,))
    history.close()
    return run_id


def refuse_writes(monkeypatch: pytest.MonkeyPatch, error: str) -> None:
    """The reaper's writes fail as SQLite fails them on such a store."""

    def connect(*_: Any, **__: Any) -> sqlite3.Connection:
        raise sqlite3.OperationalError(error)

    monkeypatch.setattr(reaper, "connect", connect)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "waiting.py").write_text(textwrap.dedent(FLOW).lstrip())
    return tmp_path


def collect(db: Path) -> tuple[StoreClient, list[Any]]:
    seen: list[Any] = []
    return StoreClient(db, seen.extend), seen


def wait(condition: Callable[[], bool]) -> bool:
    import time

    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_the_store_client_ends_a_dead_run_it_cannot_mark_read_only(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = folder / ".flowtop" / "history.db"
    run_id = dead_run(db)
    refuse_writes(monkeypatch, "attempt to write a readonly database")
    monkeypatch.setattr(reaper, "store_writable", lambda path: False)
    client, seen = collect(db)
    client.open()
    try:
        assert wait(lambda: any(isinstance(e, RunInterrupted) for e in seen))
    finally:
        client.close()
    (ended,) = [e for e in seen if isinstance(e, RunInterrupted)]
    assert ended.run_id == run_id and ended.flow == "waiting" and ended.run == 1
    assert ended.reason == (
        f"its process stopped before the run ended (not marked: {db} is read-only here)"
    )
    assert ended.ts == 1002.0  # its last sign of life, not when this reader looked
    with sqlite3.connect(db) as raw:  # nothing wrote
        assert raw.execute("SELECT state FROM runs").fetchone() == ("RUNNING",)


def test_a_full_disk_is_named_as_why_a_dead_run_is_not_marked(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store was writable and its disk full: "read-only here" sent users to chmod."""
    db = folder / ".flowtop" / "history.db"
    run_id = dead_run(db)
    refuse_writes(monkeypatch, "database or disk is full")
    assert reaper.reap_store(db) == []
    assert reaper.unmarked_notes(db) == {
        run_id: f"its process stopped before the run ended "
        f"(not marked: the disk of {db.parent} is full)"
    }
    monkeypatch.undo()  # space freed: the next reader marks it, and nothing is left unmarked
    assert reaper.reap_store(db) == [run_id]
    assert reaper.unwritten(db) is None and reaper.unmarked_notes(db) == {}


async def test_the_tui_shows_a_dead_run_it_cannot_mark_interrupted(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = folder / ".flowtop" / "history.db"
    dead_run(db)
    refuse_writes(monkeypatch, "attempt to write a readonly database")
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    try:
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("waiting")

            def shown_ended() -> bool:
                run = app.store.latest_for("waiting")
                return run is not None and not run.is_live

            await wait_for(pilot, shown_ended, "the dead run to read ended", 10)
            text = await wait_for_text(pilot, app, "Interrupted")
            assert "Interrupted" in text and "Running" not in text
            run = app.store.latest_for("waiting")
            assert run is not None and run.note.endswith(f"(not marked: {db} is read-only here)")
            assert "Cancel" not in text and "Retry now" not in text  # no live-run keys
            await pilot.press("r")  # refused as a read-only store, not "start another?"
            await pilot.pause(0.3)
            assert "already running" not in screen_text(app)
            app.shutdown(cancel=True)
    finally:
        workspace.close()
