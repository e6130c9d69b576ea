"""An open monitor keeps following its run store, whatever was done to it meanwhile.

Three ways it stopped showing new runs for good, while its own `h` listed them:

- a file stood a moment where ``.flowtop`` was (``rm -rf .flowtop; echo junk >
  .flowtop; rm .flowtop``): the client's once-a-second look met ``NotADirectoryError``,
  which ended its thread; `r` there said the raw `[Errno 20] Not a directory: …`;
- a store moved in over the old one (``mv backup.db .flowtop/history.db``, the way
  docs/store.md gives to restore one) holding the run the screen showed: the run handed
  on again, as the new store holds it, was dropped with the old one (same id), and the
  flow read `not run yet`;
- the new store's log went back under the tail (a store moved in over one a run still
  writes reads through that run's write-ahead log until its process lets go of it): the
  next run's start took an id already read, and never showed.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunStartedElsewhere
from flowtop.tui.run_store import RunStore
from flowtop.workspace import store_client
from flowtop.workspace.history import History
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_notices import ClientEvent, StoreGone
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .conftest import wait_until
from .test_tui_client import client_app

IN_THE_WAY = "is a file, where flowtop keeps its folder: move it away"
FLOW = """
from flowtop import Flow, task

@task
def a():
    return 1

with Flow("{name}") as flow:
    a()
"""


def started(run_id: str, number: int, flow: str = "slow") -> RunStarted:
    return RunStarted(run_id, flow, number, ("a",), (1,), ("",), None, time.time())


def finished(run_id: str, number: int, flow: str = "slow") -> RunFinished:
    return RunFinished(run_id, flow, number, StateType.COMPLETED, {}, time.time())


def record(db: Path, *events: RunStarted | RunFinished) -> History:
    """``events`` written into the store ``db`` by a writer of its own (a run's process),
    left open: the caller closes it."""
    owner = History(db)
    owner.sink(list(events))
    assert owner.flush(10)
    return owner


class Screen:
    """A store client's sink folded into a ``RunStore``, as the monitor folds it: the runs
    another process started marked so (``StoreControl._deliver``)."""

    def __init__(self) -> None:
        self.store = RunStore()
        self.handed: list[ClientEvent] = []
        self.lock = threading.Lock()

    def sink(self, events: Sequence[ClientEvent]) -> None:
        marked = [RunStartedElsewhere(*e) if type(e) is RunStarted else e for e in events]
        with self.lock:
            self.handed.extend(marked)
            self.store.apply_batch(marked)

    def shows(self, flow: str) -> tuple[str | None, StateType | None]:
        with self.lock:
            run = self.store.latest_for(flow)
            return (None, None) if run is None else (run.run_id, run.state)

    def ends_of(self, run_id: str) -> list[RunFinished]:
        with self.lock:
            return [e for e in self.handed if isinstance(e, RunFinished) and e.run_id == run_id]

    def starts_of(self, run_id: str) -> int:
        with self.lock:
            return sum(1 for e in self.handed if isinstance(e, RunStarted) and e.run_id == run_id)


def counted_looks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Each look of a client at its store counted (its reap)."""
    looks: list[Path] = []
    reap = store_client.reap_store

    def counted(path: Path) -> list[str]:
        looks.append(path)
        return reap(path)

    monkeypatch.setattr(store_client, "reap_store", counted)
    return looks


@pytest.fixture
def quick_looks(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The client looks at its store back to back, each look counted."""
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.0)
    return counted_looks(monkeypatch)


def test_a_file_where_flowtop_was_ends_no_look_and_the_next_store_shows(
    tmp_path: Path, quick_looks: list[Path]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, started("a" * 12, 1), finished("a" * 12, 1)).close()
    screen = Screen()
    client = StoreClient(db, screen.sink, says_gone=True, says_reserved=True)
    client.open()
    try:
        wait_until(lambda: screen.shows("slow")[0] == "a" * 12, "the first run")
        shutil.rmtree(db.parent)
        db.parent.write_text("junk")  # something put a file where the folder was
        seen = len(quick_looks)
        wait_until(lambda: len(quick_looks) >= seen + 3, "looks on, with the file there")
        assert client._thread is not None and client._thread.is_alive()  # old: ended
        with pytest.raises(NotADirectoryError, match=IN_THE_WAY):  # old: [Errno 20] …
            client.start(tmp_path / "slow.py", "slow")
        with pytest.raises(NotADirectoryError, match=IN_THE_WAY):
            client.command("a" * 12, "cancel")
        db.parent.unlink()  # and cleaned up again: a run makes a new store
        record(db, started("b" * 12, 1), finished("b" * 12, 1)).close()
        wait_until(lambda: screen.shows("slow")[0] == "b" * 12, "the new store's run")
        gone = [e for e in screen.handed if isinstance(e, StoreGone)]
        assert len(gone) == 1 and gone[0].said and "was deleted" in gone[0].reason
    finally:
        client.close()


def test_a_store_moved_in_over_a_live_run_shows_it_as_it_holds_it(
    tmp_path: Path, quick_looks: list[Path]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    owner = record(db, started("a" * 12, 1))  # live: its process (this one) goes on
    screen = Screen()
    client = StoreClient(db, screen.sink, says_gone=True, says_reserved=True)
    client.open()
    try:
        wait_until(lambda: screen.shows("slow") == ("a" * 12, StateType.RUNNING), "run #1")
        backup = tmp_path / "backup.db"
        with closing(sqlite3.connect(db)) as source, closing(sqlite3.connect(backup)) as copy:
            source.backup(copy)
        os.replace(backup, db)  # `mv backup.db .flowtop/history.db`
        wait_until(lambda: screen.starts_of("a" * 12) == 2, "run #1 as the new store holds it")
        # the run is shown as the new store holds it (`h` lists it RUNNING), not dropped
        # with the old store's: the flow read `not run yet`
        assert screen.shows("slow") == ("a" * 12, StateType.RUNNING)  # old: (None, None)
        gone = [e for e in screen.handed if isinstance(e, StoreGone)]
        assert len(gone) == 1 and "was replaced" in gone[0].reason
        record(db, finished("a" * 12, 1), started("c" * 12, 2)).close()  # a later run
        wait_until(lambda: screen.shows("slow")[0] == "c" * 12, "run #2, started afterwards")
    finally:
        client.close()
        owner.close()


def test_a_runs_end_read_from_the_store_that_went_does_not_overwrite_the_new_stores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live run's end read from the file that went (its process ended it there) comes
    before the new store's runs: the new store holds that run too, running, and the
    screen said it completed (what its `h` did not)."""
    looks = counted_looks(monkeypatch)
    monkeypatch.setattr(store_client, "REAP_EVERY", 3600.0)  # then as the end is read only
    db = tmp_path / ".flowtop" / "history.db"
    owner = record(db, started("a" * 12, 1))  # live: its process goes on with the old file
    screen = Screen()
    client = StoreClient(db, screen.sink, says_gone=True, says_reserved=True)
    client.open()
    new_owner: History | None = None
    try:
        wait_until(lambda: screen.shows("slow") == ("a" * 12, StateType.RUNNING), "run #1")
        wait_until(lambda: len(looks) >= 2, "the tail's first look")  # (the open's, then it)
        shutil.rmtree(db.parent)
        new_owner = record(db, started("a" * 12, 1))  # a store holding it too, running
        owner.sink([finished("a" * 12, 1)])  # into the file that went
        assert owner.flush(10)
        wait_until(lambda: screen.starts_of("a" * 12) == 2, "run #1 as the new store holds it")
        wait_until(lambda: screen.ends_of("a" * 12), "its end read from the file that went")
        assert screen.shows("slow") == ("a" * 12, StateType.RUNNING)  # old: COMPLETED
    finally:
        client.close()
        owner.close()
        if new_owner is not None:
            new_owner.close()


def test_a_log_that_went_back_under_the_tail_is_read_anew_without_a_word(
    tmp_path: Path, quick_looks: list[Path]
) -> None:
    db = tmp_path / ".flowtop" / "history.db"
    record(db, started("a" * 12, 1), finished("a" * 12, 1), started("b" * 12, 1, "other")).close()
    screen = Screen()
    client = StoreClient(db, screen.sink, says_gone=True, says_reserved=True)
    client.open()
    try:
        wait_until(lambda: screen.shows("other")[0] == "b" * 12, "the runs")
        # the log goes back under the tail, its ids given out again: what a store moved
        # in over a running run's reads as once that run's process lets go of its -wal
        with closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("DELETE FROM events WHERE id > 1")
            conn.execute("DELETE FROM runs WHERE run_id = ?", ("b" * 12,))
            conn.execute("UPDATE sqlite_sequence SET seq = 1 WHERE name = 'events'")
        record(db, started("c" * 12, 2), finished("c" * 12, 2)).close()  # at ids 2, 3: read
        wait_until(lambda: screen.shows("slow")[0] == "c" * 12, "run #2")  # old: never
        assert screen.shows("other") == (None, None)  # not in the store any more
        gone = [e for e in screen.handed if isinstance(e, StoreGone)]
        assert [e.said for e in gone] == [False]  # said by no toast
    finally:
        client.close()


async def test_the_monitor_shows_what_the_log_read_anew_holds(ws: Callable[..., Path]) -> None:
    """The selected flow's run went with the log read anew: its tasks show, as `h` would
    list none of its runs (the table kept the run no store held), and a run of the other
    flow at an id read before shows."""
    folder = ws(slow=FLOW.format(name="slow"), other=FLOW.format(name="other"))
    db = folder / ".flowtop" / "history.db"
    record(db, started("a" * 12, 1), finished("a" * 12, 1), started("b" * 12, 1, "other")).close()
    async with client_app(folder, "other") as (app, pilot):
        await wait_for(pilot, lambda: shown_id(app) == "b" * 12, "the other flow's run")
        with closing(sqlite3.connect(db)) as conn, conn:
            conn.execute("DELETE FROM events WHERE id > 1")
            conn.execute("DELETE FROM runs WHERE run_id = ?", ("b" * 12,))
            conn.execute("UPDATE sqlite_sequence SET seq = 1 WHERE name = 'events'")
        record(db, started("c" * 12, 2), finished("c" * 12, 2)).close()
        await wait_for(pilot, lambda: app.store.latest_for("slow") is not None, "the log read")
        await wait_for(pilot, lambda: shown_id(app) is None, "its tasks, not run")  # old: run b
        # its runs went with the log read anew, as a prune's do: said so (not `not run yet`)
        assert "no runs in the history" in str(app.header.render())
        assert not StoreReader(db).runs("other")  # what its `h` lists
        app.flow_list.select_flow("slow")
        await wait_for(pilot, lambda: shown_id(app) == "c" * 12, "run #2 of slow")


def shown_id(app: FlowtopApp) -> str | None:
    run = app.table.run
    return None if run is None else run.run_id
