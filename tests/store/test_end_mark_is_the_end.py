"""A run whose end a full disk kept out of the store reads as its process ended it.

Its process leaves an empty end mark beside the store (``end_marks``) saying how the run
ended. Readers showed such a run INTERRUPTED, its note saying it had completed, while
``watch`` exited 1 for it. It now reads as the mark says in ``history``, ``watch`` and the
monitor's client, its note saying the store missed its end because the disk was full;
its tasks whose ends the store missed read INTERRUPTED, and a rerun runs them again
rather than reuse what it cannot read.
"""

from __future__ import annotations

import json
import sqlite3
import textwrap
from contextlib import closing
from pathlib import Path
from typing import Any

from flowtop.workspace import end_marks, reaper
from flowtop.workspace.run_log import RunInterrupted, decode_rows
from flowtop.workspace.store_client import StoreClient

from .conftest import flowtop
from .test_unread_end import wait

#: Its first task completes; its second kills the run's process once the store holds
#: the first's result (its events are written on a thread of their own), until ``ok``
#: exists.
ENDS = """
    import os
    import signal
    import sqlite3
    import time
    from pathlib import Path

    from flowtop import Flow, task

    HERE = Path(__file__).parent

    def first_recorded():
        with sqlite3.connect(HERE / ".flowtop" / "history.db") as store:
            return store.execute("SELECT count(*) FROM result_batches").fetchone()[0] > 0

    @task
    def first():
        count = HERE / "first-count"
        n = int(count.read_text()) if count.exists() else 0
        count.write_text(str(n + 1))
        return n

    @task
    def second(n):
        if not (HERE / "ok").exists():
            deadline = time.monotonic() + 20
            while not first_recorded() and time.monotonic() < deadline:
                time.sleep(0.02)
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    with Flow("ends") as flow:
        second(first())
"""


def killed_run(folder: Path, state: str) -> tuple[Path, str]:
    """Run ``ends`` until its process dies in ``second``, then leave the end mark a run
    process leaves when a full disk keeps its end (``state``) out of the store: as if
    that were so. The store and the run's id."""
    (folder / "ends.py").write_text(textwrap.dedent(ENDS))
    done = flowtop("run", str(folder / "ends.py"))
    assert done.returncode != 0, done  # killed in its second task
    db = folder / ".flowtop" / "history.db"
    with closing(sqlite3.connect(db)) as raw:
        ((run_id, recorded),) = raw.execute("SELECT run_id, state FROM runs").fetchall()
    assert recorded == "RUNNING"  # nobody has reaped it yet
    end_marks.leave(db, {run_id: state})
    return db, run_id


def said(db: Path, state: str) -> str:
    return end_marks.not_recorded(db, state)


def history_json(folder: Path, *args: str) -> list[dict[str, Any]]:
    done = flowtop("history", str(folder), "--json", *args)
    assert done.returncode == 0, done
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_history_and_watch_show_the_end_the_mark_says(tmp_path: Path) -> None:
    db, run_id = killed_run(tmp_path, "COMPLETED")
    (run,) = history_json(tmp_path)
    assert (run["state"], run["note"]) == ("COMPLETED", said(db, "COMPLETED"))
    detail = history_json(tmp_path, "--run", "1")
    tasks = {line["task"]: line for line in detail if line.get("record") == "task"}
    assert tasks["first"]["state"] == "COMPLETED"  # recorded: it stands
    assert tasks["second"]["state"] == "INTERRUPTED"  # its end went with the run's
    assert not [p for p in db.parent.iterdir() if ".end-of-" in p.name]  # marked for good
    watched = flowtop("watch", str(tmp_path), run_id)
    assert watched.returncode == 0, watched  # it completed
    last = watched.stdout.splitlines()[-1]
    assert " ends #1 COMPLETED: 1 completed, 1 interrupted in " in last, watched.stdout
    assert last.endswith(f"s ({said(db, 'COMPLETED')})"), watched.stdout
    with closing(sqlite3.connect(db)) as raw:
        rows = raw.execute(
            "SELECT run_id, body, ts, duration FROM events WHERE body LIKE '[\"run_interrupted\"%'"
        ).fetchall()
    (end,) = decode_rows(rows)
    assert isinstance(end, RunInterrupted) and end.ended == "COMPLETED"
    # A rerun reuses what the store recorded, and runs again what it missed.
    (tmp_path / "ok").touch()
    done = flowtop("run", str(tmp_path / "ends.py"), "--rerun-of", "1")
    assert done.returncode == 0, done
    assert (tmp_path / "first-count").read_text() == "1"  # reused: its result was stored
    rerun = history_json(tmp_path, "--run", "2")
    tasks = {line["task"]: line for line in rerun if line.get("record") == "task"}
    assert tasks["first"]["reused"] and tasks["second"]["state"] == "COMPLETED"


def test_a_store_that_cannot_be_marked_shows_the_end_all_the_same(tmp_path: Path) -> None:
    """What ``history``, ``watch`` and the monitor hand on while nothing can be written
    (``unmarked``): the mark's end too, not INTERRUPTED."""
    db, run_id = killed_run(tmp_path, "FAILED")
    (ended,) = reaper.unmarked(db)
    assert (ended.run_id, ended.ended) == (run_id, "FAILED")
    assert ended.reason.startswith(said(db, "FAILED"))


def test_the_monitor_is_handed_the_end_the_mark_says(tmp_path: Path) -> None:
    db, run_id = killed_run(tmp_path, "CANCELLED")
    seen: list[Any] = []
    client = StoreClient(db, seen.extend)
    client.open()
    try:
        assert wait(lambda: any(type(e) is RunInterrupted for e in seen)), seen
    finally:
        client.close()
    (ended,) = [e for e in seen if type(e) is RunInterrupted]
    assert (ended.run_id, ended.ended, ended.reason) == (
        run_id,
        "CANCELLED",
        said(db, "CANCELLED"),
    )


def test_a_mark_naming_no_end_of_a_run_is_not_trusted(tmp_path: Path) -> None:
    """An empty file anyone could name: only a state a run ends in is read from it."""
    db, _ = killed_run(tmp_path, "COMPLETED")
    mark = next(p for p in db.parent.iterdir() if ".end-of-" in p.name)
    mark.rename(mark.with_suffix(".RUNNING"))
    (run,) = history_json(tmp_path)
    assert run["state"] == "INTERRUPTED" and "is gone" in run["note"], run
