"""The owner agent hands the store errors it meets to its process's history.

A store damaged in the pages only the agent reads (the ``commands`` table) was a bare
``heartbeat/commands failed`` warning, and ``flowtop run`` exited 0; the history says such
damage once for the store, with what to do, and keeps it (``History.damage``).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import OwnerAgent

ADVICE = "move it away and flowtop starts a new one"


def damage_the_command_queue(store: Path) -> None:
    with closing(sqlite3.connect(store)) as conn:
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'commands'"
        ).fetchone()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(store, "r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xa5" * size)


def said_at_warning(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_damage_the_agent_meets_is_said_once_by_the_history_and_kept(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(tmp_path / "history.db")
    try:
        damage_the_command_queue(history.path)
        caplog.set_level(logging.DEBUG, logger="flowtop")
        agent = OwnerAgent.for_history(history, lambda run_id, kind, task: False)
        try:
            deadline = time.monotonic() + 10
            while not said_at_warning(caplog) and time.monotonic() < deadline:
                time.sleep(0.01)
        finally:
            agent.close()  # its rounds over: nothing more is said
        assert isinstance(history.damage, sqlite3.DatabaseError), history.damage
        said = said_at_warning(caplog)
        assert len(said) == 1, [r.getMessage() for r in said]
        assert said[0].name == "flowtop.history"
        message = said[0].getMessage()
        assert f"{history.path}: the run store cannot be written (DatabaseError: " in message
        assert message.endswith(ADVICE)
    finally:
        history.close()


def test_damage_found_on_several_threads_at_once_is_said_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    history = History(tmp_path / "history.db")
    try:
        caplog.set_level(logging.WARNING, logger="flowtop.history")
        errors = [sqlite3.DatabaseError(f"malformed {i}") for i in range(8)]
        start = threading.Barrier(len(errors))

        def find(exc: sqlite3.DatabaseError) -> None:
            start.wait()
            assert history.said_damaged(exc)

        threads = [threading.Thread(target=find, args=(exc,)) for exc in errors]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]
        assert history.damage in errors
        assert not history.said_damaged(sqlite3.OperationalError("database is locked"))
    finally:
        history.close()
