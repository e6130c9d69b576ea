"""``flowtop cancel`` of a run whose process is stopped (``kill -STOP``) says so at once.

It waited 5 s and said "did not take the request within 5s", while the store's liveness
check knew the process was stopped; of one stopped while its flow file imported, it said
"the run ends as it starts", not that nothing happens until ``kill -CONT``. Each is a
real detached run, let go on (``SIGCONT``) whatever the test found, and seen to its end.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from flowtop.commands import cancel
from flowtop.commands.store_access import start_logged
from flowtop.workspace.proc_stat import proc_stat

from .conftest import flowtop, wait_until
from .test_cancel_while_importing import SLOW_IMPORT
from .test_store_cli import runs

#: A task that holds its run live until the test writes ``release`` (a minute at most).
HELD = """
    import time
    from pathlib import Path
    from flowtop import Flow, task

    HERE = Path(__file__).parent

    @task
    def hold() -> None:
        (HERE / "holding").touch()
        until = time.monotonic() + 60  # a test that failed midway lets go anyway
        while not (HERE / "release").exists() and time.monotonic() < until:
            time.sleep(0.01)

    with Flow("held") as flow:
        hold()
"""


def _pid(folder: Path) -> int:
    """The pid of the one run's process, as the store records its owner."""
    (record,) = runs(folder)
    found = re.match(r"pid (\d+) on ", record.owner)
    assert found is not None, record.owner
    return int(found.group(1))


@contextmanager
def _stopped(folder: Path, release: Callable[[], None]) -> Iterator[int]:
    """The run's process stopped in the block (its pid); then let go on, waited for to
    end (the cancel queued meanwhile taken), ``release``d, and killed if it still runs."""
    pid = _pid(folder)
    try:
        wait_until(lambda: _stops_unlocked(pid, folder), "a stop outside a write", 30)
        yield pid
    finally:
        os.kill(pid, signal.SIGCONT)
        try:
            wait_until(lambda: not runs(folder, "RUNNING"), "the run to end", 60)
        finally:
            release()
            if runs(folder, "RUNNING"):
                os.kill(pid, signal.SIGKILL)


def _stops_unlocked(pid: int, folder: Path) -> bool:
    """Stop ``pid``; let it go on again (False) when it was stopped in a write to the
    store, whose lock it then holds: the cancel could not be queued at all."""
    os.kill(pid, signal.SIGSTOP)
    wait_until(lambda: proc_stat(pid)[:1] == ["T"], "the run's process to stop")
    db = folder / ".flowtop" / "history.db"
    try:
        with closing(sqlite3.connect(db, timeout=0.2, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except sqlite3.OperationalError:  # locked
        os.kill(pid, signal.SIGCONT)
        return False
    return True


def _cancel(folder: Path, run_id: str) -> int:
    return cancel.main(argparse.Namespace(target=[str(folder), run_id], flow=None))


def test_cancel_of_a_stopped_run_says_it_is_stopped_at_once(
    ws: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws(held=HELD)
    run_id = flowtop("run", ".", "--detach", cwd=folder).stdout.strip()
    assert run_id
    wait_until(lambda: (folder / "holding").exists(), "the task to run", 60)
    db = folder / ".flowtop" / "history.db"
    wait_until(lambda: start_logged(db, run_id), "the run's start in the store")
    with _stopped(folder, (folder / "release").touch) as pid:
        capsys.readouterr()
        code = _cancel(folder, run_id)
        told = capsys.readouterr()
        # old: after 5 s, "its process (pid …) did not take the request within 5s"
        assert code == 1, told
        assert told.err == (
            f"flowtop cancel: cancel of run #1 of held ({run_id}) is queued: its process is "
            f"stopped (paused, pid {pid}: kill -CONT {pid} resumes it); it ends once it "
            "runs again\n"
        )
        assert runs(folder, "RUNNING")
    # let go on, its process took the cancel still queued
    assert [r.state for r in runs(folder)] == ["CANCELLED"]


def test_cancel_of_a_run_stopped_while_its_file_imports_says_both(
    ws: Callable[..., Path], capsys: pytest.CaptureFixture[str]
) -> None:
    folder = ws(slowimport=SLOW_IMPORT)
    importing = folder / "importing"
    importing.touch()
    run_id = flowtop("run", ".", "--detach", cwd=folder).stdout.strip()
    assert run_id
    wait_until(lambda: importing.stat().st_size >= 2, "the run's process to begin its import")
    with _stopped(folder, importing.unlink) as pid:
        capsys.readouterr()
        code = _cancel(folder, run_id)
        told = capsys.readouterr()
        # old: "queued, as it is starting: …; the run ends as it starts" (exit 0), 5 s on
        assert code == 1, told
        assert told.err == (
            f"flowtop cancel: cancel of run #1 of slowimport ({run_id}) is queued: its "
            f"process is stopped (paused, pid {pid}: kill -CONT {pid} resumes it); once it "
            "runs again, the run ends as it starts (starting: its process is importing the "
            "flow file), running no task\n"
        )
    assert [r.state for r in runs(folder)] == ["CANCELLED"]
    assert not (folder / "deployed").exists()
