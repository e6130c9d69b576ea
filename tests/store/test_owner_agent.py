"""The owner agent's heartbeat thread: a store it cannot write is said once, not 50 times a second."""

from __future__ import annotations

import logging
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.workspace.owner_agent import OwnerAgent

from .conftest import wait_rounds


@pytest.mark.usefixtures("quick_agent")
def test_a_failing_store_is_said_once_and_its_recovery_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A read-only or full store printed the same warning every 20 ms of the run."""
    db = tmp_path / "history.db"
    sqlite3.connect(db).close()  # no tables yet: every round fails the same way
    caplog.set_level(logging.WARNING, logger="flowtop.store")
    agent = OwnerAgent(db, "me", lambda run_id, kind, task: False)
    try:
        wait_rounds(agent, 15)  # each failing the same way
        said = [r.getMessage() for r in caplog.records]
        assert len(said) == 1 and "heartbeat/commands failed: no such table" in said[0], said
        with closing(sqlite3.connect(db)) as conn:
            conn.executescript(  # both at once: a round between them failed another way
                "BEGIN; CREATE TABLE runs (run_id, owner, state, heartbeat);"
                "CREATE TABLE commands (id, run_id, kind, task, taken, result); COMMIT;"
            )
        deadline = time.monotonic() + 5
        while len(caplog.records) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert [r.getMessage() for r in caplog.records][1:] == [
            f"{db}: heartbeat/commands work again"
        ]
    finally:
        agent.close()
