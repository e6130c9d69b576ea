"""A damaged run store (``database disk image is malformed``) is said once, with what to do.

A write that fails for a reason no retry cures was logged at every event batch of a run,
``history write failed (DatabaseError: …); 2 events dropped`` again and again, then once
more at close, and never said what to do about the file.
"""

from __future__ import annotations

import logging
import sqlite3
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop import Flow, task
from flowtop.workspace import history_fold
from flowtop.workspace.history import History

from .conftest import flowtop, run_into

ADVICE = "move it away and flowtop starts a new one"


@task
def job() -> int:
    return 1


def damaged(*args: Any, **kwargs: Any) -> Any:
    raise sqlite3.DatabaseError("database disk image is malformed")


def test_a_damaged_store_is_said_once_for_every_batch_it_fails(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    history = History(tmp_path / "history.db", write_interval=0.01)
    try:
        monkeypatch.setattr(history_fold, "apply", damaged)
        with caplog.at_level(logging.DEBUG, logger="flowtop.history"):
            for i in range(5):  # each run's events: batches of their own
                flow = Flow(f"flow-{i}")
                flow.add_task(job)
                run_into(history, flow, stored=False)
                history.flush(10)
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(said) == 1, said
        assert said[0] == (
            f"{history.path}: the run store cannot be written (DatabaseError: database disk "
            "image is malformed): runs go on, their events dropped while it cannot; "
            f"if it is not a flowtop store, or a damaged one, {ADVICE}"
        )
        assert history.lost >= 10  # each run's start and end, at least
    finally:
        history.close()


def damage_the_event_log(store: Path) -> None:
    """Overwrite the root page of the ``events`` table: the store opens, the runs table
    reads, and every write of the log fails as ``malformed``."""
    conn = sqlite3.connect(store)
    try:
        (size,) = conn.execute("PRAGMA page_size").fetchone()
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = 'events'"
        ).fetchone()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    with open(store, "r+b") as file:
        file.seek((root - 1) * size)
        file.write(b"\xff" * size)


FLOW = """
    from flowtop import Flow, task

    @task
    def job(i):
        return i

    with Flow("etl") as flow:
        for i in range(20):
            job(i)
"""


def test_flowtop_run_on_a_damaged_store_says_so_once_with_the_path_and_what_to_do(
    tmp_path: Path,
) -> None:
    (tmp_path / "etl.py").write_text(textwrap.dedent(FLOW))
    assert flowtop("run", "etl.py", "--quiet", cwd=tmp_path).returncode == 0
    store = tmp_path / ".flowtop" / "history.db"
    damage_the_event_log(store)
    done = flowtop("run", "etl.py", "--quiet", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "etl #2 COMPLETED" in done.stdout  # the run went on
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 2, lines  # said once, then how much was not recorded
    assert f"{store}: the run store cannot be written (DatabaseError: " in lines[0]
    assert lines[0].endswith(ADVICE)
    assert lines[1].startswith(f"flowtop run: {store}: ")
    assert "not recorded" in lines[1]
