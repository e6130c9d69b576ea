"""A process stopped holding the run store's write lock is named, with its `kill -CONT`.

A `flowtop run` stopped by Ctrl+Z (or ``kill -STOP``) in the middle of a write holds the
store's lock: `c` in the monitor and ``flowtop cancel`` waited 5 s and said "another
flowtop process holds it; try again in a moment", which never came true however often
one tried. The kernel's list of locks names the holder, and its state says it is stopped.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from flowtop.workspace.history import open_live_history
from flowtop.workspace.owner_agent import CommandRefused, enqueue
from flowtop.workspace.proc_stat import proc_stat
from flowtop.workspace.store_errors import store_advice
from flowtop.workspace.store_holder import write_lock_holder
from waits import wait_until

HOLD = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
print("held", flush=True)
time.sleep(300)
"""

MOMENT = "another flowtop process holds it; try again in a moment"


@pytest.fixture
def store(tmp_path: Path) -> Path:
    state = tmp_path / ".flowtop"
    state.mkdir(mode=0o700)
    open_live_history(state).close()
    return state / "history.db"


@contextmanager
def holder(store: Path) -> Iterator[subprocess.Popen[str]]:
    """A process holding the store's write lock (in a write transaction) in the block."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None and process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.wait()


def stop(pid: int) -> None:
    os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: proc_stat(pid)[:1] == ["T"], "the holder to stop")


def stopped_words(pid: int) -> str:
    return f"process {pid} holds it and is stopped (paused: kill -CONT {pid} resumes it)"


def test_the_advice_on_a_locked_store_names_a_stopped_holder(store: Path) -> None:
    locked = sqlite3.OperationalError("database is locked")
    assert write_lock_holder(store) is None
    with holder(store) as process:
        assert write_lock_holder(store) == process.pid
        # running: it lets go in a moment, as said before
        assert store_advice(locked, store, writing=True) == MOMENT
        stop(process.pid)
        # old: "another flowtop process holds it; try again in a moment"
        said = store_advice(locked, store, writing=True)
        assert said == stopped_words(process.pid)


def test_a_cancel_refused_by_a_stopped_holder_says_who_holds_it(store: Path) -> None:
    with holder(store) as process:
        stop(process.pid)
        with pytest.raises(CommandRefused) as refused:
            enqueue(store, "abc123", "cancel")  # (its 5 s wait for the lock first)
    assert str(refused.value).endswith(stopped_words(process.pid)), refused.value


def test_the_locks_list_is_read_for_the_write_lock_byte_alone(tmp_path: Path) -> None:
    """Waiters (``->``), open-file locks (pid -1), locks of other bytes or files, and
    a lock to the end of the file."""
    store = tmp_path / "history.db"
    shm = Path(f"{store}-shm")
    shm.write_bytes(b"")
    found = os.stat(shm)
    file = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino}"
    other = f"{os.major(found.st_dev):02x}:{os.minor(found.st_dev):02x}:{found.st_ino + 1}"
    locks = tmp_path / "locks"

    def holder_in(*lines: str) -> int | None:
        locks.write_text("".join(f"{n}: {line}\n" for n, line in enumerate(lines, 1)))
        return write_lock_holder(store, locks)

    assert holder_in(f"POSIX  ADVISORY  READ 11 {file} 120 120") is None
    assert holder_in(f"POSIX  ADVISORY  WRITE 12 {file} 121 121") is None
    assert holder_in(f"POSIX  ADVISORY  WRITE 13 {other} 120 120") is None
    assert holder_in(f"OFDLCK ADVISORY  WRITE -1 {file} 120 120") is None
    assert holder_in(f"POSIX  ADVISORY  WRITE -1 {file} 120 120") is None
    waiting = f"-> POSIX  ADVISORY  WRITE 14 {file} 120 120"
    assert holder_in(f"POSIX  ADVISORY  WRITE 15 {file} 120 120", waiting) == 15
    assert holder_in(f"POSIX  ADVISORY  WRITE 16 {file} 100 EOF") == 16
    assert write_lock_holder(tmp_path / "none.db", locks) is None  # no -shm file
