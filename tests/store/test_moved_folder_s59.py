"""A workspace folder renamed or moved while its runs live (``mv proj proj-old``) is not a
store deleted (review 400, F5).

The run process cancelled every live run as "its run store was deleted or replaced while
it ran, so no other flowtop could see or cancel it", and wrote that into the store, which
had moved with its folder and which ``flowtop history proj-old`` read. A monitor open on
the folder ended the runs as interrupted and said the store "was deleted, and the runs it
recorded with it". Now a store still linked (``st_nlink`` > 0) that is at no path or at
another one moved: its runs go on, recorded there, and a monitor of the old path says the
store moved, and where. A store deleted, or one another store took the place of while ours
is left under another name (a backup moved in), still cancels them.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.engine.states import StateType
from flowtop.workspace import store_client
from flowtop.workspace.history import History
from flowtop.workspace.owner_agent import GONE_WHY
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent, StoreGone

from .conftest import flowtop, wait_until
from .test_store_edges_s49 import live_run, write_flow

#: A flow whose middle task waits for a file outside the workspace (``{gate}``), saying
#: it waits by making ``{waiting}``.
GATED = """
    import os
    import time
    from pathlib import Path

    from flowtop import Flow, task

    @task
    def first():
        return 1

    @task
    def gated(x):
        Path({waiting!r}).touch()
        while not os.path.exists({gate!r}):
            time.sleep(0.01)
        return x + 1

    @task
    def last(x):
        return x * 10

    with Flow("gated") as flow:
        last(gated(first()))
"""


def gated_run(folder: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    """A detached run of ``GATED`` started in ``folder``: the file that opens its gate, the
    one it makes once waiting there, and its run id."""
    gate, waiting = tmp_path / "gate", tmp_path / "waiting"
    write_flow(folder, "gated", GATED.format(gate=str(gate), waiting=str(waiting)))
    started = flowtop("run", "gated.py", "--flow", "gated", "--detach", cwd=folder)
    assert started.returncode == 0, started.stderr
    return gate, waiting, started.stdout.strip().splitlines()[-1]


def _beat_of(store: Path, run_id: str) -> tuple[str, float]:
    """The run's state and last heartbeat, as its store at ``store`` holds them."""
    with closing(sqlite3.connect(store)) as conn:
        state, beat = conn.execute(
            "SELECT state, heartbeat FROM runs WHERE run_id = ?", (run_id,)
        ).fetchone()
    return str(state), float(beat or 0.0)


def _looked_after(store: Path, run_id: str, moment: float) -> None:
    """Wait until the run's owner agent has looked at its store after ``moment``: two of
    its heartbeats after it (the look comes before the beat in a round, so the second
    round's look came after the first's beat), or the run's end (it was cancelled)."""

    def beat_after(then: float) -> tuple[str, float] | None:
        state, beat = got = _beat_of(store, run_id)
        return got if state != "RUNNING" or beat > then else None

    first = wait_until(lambda: beat_after(moment), "a heartbeat after the move")
    wait_until(lambda: beat_after(first[1]), "a second heartbeat after the move")


def test_a_detached_run_goes_on_when_its_folder_is_renamed(tmp_path: Path, here: Here) -> None:
    first = tmp_path / "proj"
    gate, waiting, run_id = gated_run(first, tmp_path)
    wait_until(waiting.exists, "the run waiting for its gate")
    moved = tmp_path / "proj-old"
    renamed_at = time.time()
    first.rename(moved)
    store = moved / ".flowtop" / "history.db"
    _looked_after(store, run_id, renamed_at)
    # (read while it runs: its end recorded, the log is deleted, there too: s60b)
    said = (moved / ".flowtop" / "logs" / f"{run_id}.log").read_text()
    assert f"moved away with its folder to {moved}: the runs of this process go on" in said
    gate.touch()
    wait_until(lambda: _beat_of(store, run_id)[0] != "RUNNING", "the run's end", timeout=30)
    listed = here("history", str(moved))
    assert listed.returncode == 0, listed.stderr
    row = listed.stdout.splitlines()[1]
    assert row.split()[:3] == ["gated", "1", "COMPLETED"], listed.stdout
    assert "deleted" not in listed.stdout
    assert not first.exists()  # nothing made again at the old place


@pytest.fixture
def quick_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store client that looks at its store every 20 ms, not every second."""
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.02)


@contextmanager
def watched(store: Path) -> Iterator[list[ClientEvent]]:
    """What a monitor's store client on ``store`` is handed, its notices too."""
    seen: list[ClientEvent] = []
    client = StoreClient(store, seen.extend, says_gone=True)
    try:
        client.open()
        yield seen
    finally:
        client.close()


@pytest.mark.usefixtures("quick_agent", "quick_client")
def test_a_monitor_of_the_old_path_says_the_store_moved(tmp_path: Path) -> None:
    folder, moved = tmp_path / "ws", tmp_path / "ws-moved"
    with live_run(folder) as run, watched(folder / ".flowtop" / "history.db") as seen:
        wait_until(
            lambda: any(getattr(e, "run_id", "") == run.run_id for e in seen), "the run shown"
        )
        renamed_at = time.time()
        folder.rename(moved)
        gone = wait_until(lambda: [e for e in seen if type(e) is StoreGone], "the store said gone")
        assert gone[0].reason == (
            f"The run store {folder / '.flowtop' / 'history.db'} moved away with its folder "
            f"to {moved}, and the runs it recorded with it: they go on there (open the "
            f"monitor in {moved} to follow them); {folder} is gone: runs start there, not here"
        )
        ended = [e for e in seen if isinstance(e, RunInterrupted)]
        assert [e.run_id for e in ended] == [run.run_id]
        assert "moved away with its folder" in ended[0].reason
        assert "deleted" not in ended[0].reason
        _looked_after(moved / ".flowtop" / "history.db", run.run_id, renamed_at)
        assert not run.done  # it goes on, recorded in the store where it is now
    run.cancel()
    wait_until(lambda: run.done, "the run's end")
    assert run.final_state() is StateType.CANCELLED
    assert run.tasks["waiter"].message != GONE_WHY


@pytest.mark.usefixtures("quick_agent")
def test_a_store_left_under_another_name_with_a_new_one_in_its_place_is_replaced(
    tmp_path: Path,
) -> None:
    """Ours still linked, as ``history-old.db``, and a store moved in at its name (a
    backup put back): no flowtop reads ours, so its runs are cancelled, as before."""
    folder = tmp_path / "ws"
    with live_run(folder) as run:
        store = folder / ".flowtop" / "history.db"
        for suffix in ("", "-wal", "-shm"):
            store.with_name(f"history.db{suffix}").rename(
                store.with_name(f"history-old.db{suffix}")
            )
        History(store).close()
        wait_until(lambda: run.done, "the run's end")
        assert run.final_state() is StateType.CANCELLED
        said = run.tasks["waiter"].message
        # (its agent may look between the rename and the new store: renamed, said as such)
        assert "renamed to history-old.db" in said and "while it ran" in said, said


def test_a_store_renamed_in_its_folder_is_not_taken_for_moved(tmp_path: Path) -> None:
    """Ours renamed to ``history-old.db`` with nothing at its name (yet): no flowtop
    reads it, so its runs are cancelled. It was taken for moved, and a backup put at
    the name a moment later was never looked at (the runs went on where no monitor
    looks): CI saw the test above time out so."""
    folder = tmp_path / "ws"
    with live_run(folder) as run:
        store = folder / ".flowtop" / "history.db"
        for suffix in ("", "-wal", "-shm"):
            store.with_name(f"history.db{suffix}").rename(
                store.with_name(f"history-old.db{suffix}")
            )
        wait_until(lambda: run.done, "the run's end")
        assert run.final_state() is StateType.CANCELLED
        assert "was renamed to history-old.db while it ran" in run.tasks["waiter"].message
