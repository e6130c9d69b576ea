"""A run in a workspace folder moved while it ran leaves nothing behind once it ends.

A run whose folder did not move leaves neither its log (``.flowtop/logs/ID.log``, deleted
once its end is recorded) nor the store's ``-wal`` and ``-shm`` (SQLite deletes them as
the last connection closes). One whose folder was renamed while it ran (``mv proj
proj-old``: it goes on, recording there, ``store_moved``) left all three at the new
place: the log was deleted by its old path, and SQLite deleted ``-wal`` and ``-shm`` by
the name the store was opened by, both gone. A prune there deleted the pruned runs'
logs at the old path too.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing
from pathlib import Path

from flowtop.workspace.history import open_live_history

from .conftest import wait_until
from .test_moved_folder_s59 import _beat_of, _looked_after, gated_run
from .test_store_followed_anew_s56 import finished, started


def _owner_pid(store: Path, run_id: str) -> int:
    """The pid of the process that owns the run (``host:pid:tag``), as the store says."""
    with closing(sqlite3.connect(store)) as conn:
        (owner,) = conn.execute("SELECT owner FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    return int(str(owner).rsplit(":", 2)[1])


def _ended(pid: int) -> bool:
    """Whether the process ``pid`` has exited (gone, or a zombie no one reaped yet)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return any(
        line.split()[1:2] == ["Z"] for line in status.splitlines() if line.startswith("State:")
    )


def test_a_run_in_a_moved_folder_leaves_no_log_wal_or_shm(tmp_path: Path) -> None:
    first = tmp_path / "proj"
    gate, waiting, run_id = gated_run(first, tmp_path)
    wait_until(waiting.exists, "the run waiting for its gate")
    pid = _owner_pid(first / ".flowtop" / "history.db", run_id)
    assert pid != os.getpid()
    moved = tmp_path / "proj-old"
    renamed_at = time.time()
    first.rename(moved)
    state = moved / ".flowtop"
    store = state / "history.db"
    _looked_after(store, run_id, renamed_at)
    assert (state / "logs" / f"{run_id}.log").exists()  # (live: kept until its end)
    gate.touch()
    wait_until(lambda: _ended(pid), "the run's process to exit", timeout=30)
    # looked at before any connection of this test opens the store: the last one to
    # close (it, then) deletes ``-wal`` and ``-shm``
    left = sorted(p.name for p in [*state.iterdir(), *(state / "logs").iterdir()])
    assert left == ["history.db", "logs"], left
    assert _beat_of(store, run_id)[0] == "COMPLETED"
    assert not first.exists()  # nothing made again at the old place


def test_a_prune_in_a_moved_folder_deletes_the_logs_there(tmp_path: Path) -> None:
    state = tmp_path / "ws" / ".flowtop"
    history = open_live_history(state)
    try:
        history.sink([started("r1", 1), finished("r1", 1)])
        assert history.flush(10)
        (state / "logs").mkdir()
        (state / "logs" / "r1.log").write_text("its output\n")
        moved = tmp_path / "ws-moved"
        (tmp_path / "ws").rename(moved)
        assert history.prune(0, "slow") == 1
        assert list((moved / ".flowtop" / "logs").iterdir()) == []
    finally:
        history.close()
    assert sorted(p.name for p in (moved / ".flowtop").iterdir()) == ["history.db", "logs"]
