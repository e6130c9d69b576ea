"""The run store's edges: a link that takes its place as a run starts, a hard link to
another file, and a store deleted while its runs live.

- A symbolic link put at ``.flowtop`` between the history's open and the owner agent's
  (a race) ended ``flowtop run`` with a ``FolderError`` traceback; now one line naming the
  link, and the run is not started (as for any store it cannot record in).
- A hard link at the store, or at its ``-wal`` or ``-shm`` (a file elsewhere, another
  user's or a store of another workspace), was opened and written as the store: now
  refused, by writers and readers alike, in one line naming it, as a symbolic link is.
- ``rm -rf .flowtop`` while a run lived left it out of every flowtop's reach: ``cancel``
  said only "no run with id", a monitor showed it running for good once a new store was
  made, and the run went on unseen. Now its process cancels it (saying so on its output),
  a monitor ends it with why, and the commands say what a missing run may mean.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import textwrap
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from flow_texts import QUICK
from flowtop import cli
from flowtop.engine.flow import Flow
from flowtop.engine.run import FlowRun
from flowtop.engine.runner import Runner
from flowtop.engine.states import StateType
from flowtop.engine.task import task
from flowtop.workspace import Workspace, owner_agent, reaper, store_client
from flowtop.workspace.history import History, open_live_history
from flowtop.workspace.load_error import display_path
from flowtop.workspace.owner_agent import GONE_WHY, OwnerAgent, enqueue
from flowtop.workspace.private import FolderError, open_store
from flowtop.workspace.run_log import LogEvent, RunInterrupted, connect_reader
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_links import LinkedStore

from .conftest import WAITING, wait_until


def write_flow(folder: Path, name: str, source: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(textwrap.dedent(source).lstrip())


# -- 1: a link that takes the store's place as a run starts -------------------------------


def test_a_link_put_at_flowtop_as_the_run_starts_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The history opened the store, then ``.flowtop`` became a link, then the owner agent
    opened it: its ``FolderError`` came out of ``make_runner`` as a traceback."""
    folder = tmp_path / "ws"
    write_flow(folder, "quick", QUICK)
    elsewhere = tmp_path / "elsewhere"
    opened = OwnerAgent.for_history.__func__  # type: ignore[attr-defined]

    def planting(cls: type[OwnerAgent], history: History, apply: Any) -> OwnerAgent:
        state = history.path.parent
        state.rename(elsewhere)  # a member's swap: the store moved, a link in its place
        state.symlink_to(elsewhere)
        return opened(cls, history, apply)  # type: ignore[no-any-return]

    monkeypatch.setattr(OwnerAgent, "for_history", classmethod(planting))
    code = cli.main(["run", str(folder), "--flow", "quick"])
    said = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(said) == 1, said
    assert said[0].startswith("flowtop run: cannot open ")
    assert "/.flowtop is a symbolic link" in said[0] and "the run was not started" in said[0]
    with closing(sqlite3.connect(elsewhere / "history.db")) as conn:  # the store is as it was
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
    assert not [t for t in threading.enumerate() if t.name == "flowtop-owner"]


def test_the_workspace_runs_nothing_unrecorded_then_and_closes_its_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make_runner`` says why in ``history_error`` (the TUI's "Running without history",
    ``flowtop run``'s refusal), as for a store it could not open at all."""
    folder = tmp_path / "ws"
    write_flow(folder, "quick", QUICK)

    def refused(cls: type[OwnerAgent], history: History, apply: Any) -> OwnerAgent:
        raise FolderError(f"cannot open {history.path}: planted")

    monkeypatch.setattr(OwnerAgent, "for_history", classmethod(refused))
    with Workspace(folder) as workspace:
        workspace.load()
        runner = workspace.make_runner()
        try:
            assert workspace.history_error is not None
            assert workspace.history_error.endswith("history.db: planted")
            assert workspace._history is None  # closed again, nothing left beside it
            assert not runner.keep_results  # a runner of its own, not recording
        finally:
            runner.shutdown()


def test_a_store_deleted_as_the_run_starts_is_not_made_again(tmp_path: Path) -> None:
    """The agent's connection made an empty file where the store had just gone (its
    heartbeats then failed on it, "no such table", and readers took it for the store)."""
    state = tmp_path / "ws" / ".flowtop"
    history = open_live_history(state)
    try:
        for suffix in ("", "-wal", "-shm"):
            state.joinpath(f"history.db{suffix}").unlink(missing_ok=True)
        with pytest.raises(sqlite3.OperationalError, match="unable to open"):
            OwnerAgent(history.path, history.owner, lambda run_id, kind, task: None)
        assert not history.path.exists()
    finally:
        history.close()


# -- 2: a hard link at the store ----------------------------------------------------------


def victims_file(tmp_path: Path) -> Path:
    """A store of the victim's elsewhere, as another workspace (or ``cp -al``) keeps it."""
    victim = tmp_path / "home" / "mine.db"
    victim.parent.mkdir()
    History(victim).close()
    return victim


@pytest.fixture
def state(tmp_path: Path) -> Path:
    made = tmp_path / "ws" / ".flowtop"
    made.mkdir(parents=True, mode=0o700)
    return made


HARD = r"cannot open .*history\.db: .*history\.db{} is a hard link \(one file with 2 names\)"


def test_a_hard_link_at_the_store_is_refused_by_writers_and_readers(
    tmp_path: Path, state: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    victim = victims_file(tmp_path)
    before = victim.read_bytes()
    store = state / "history.db"
    os.link(victim, store)
    said = HARD.format("")
    with pytest.raises(FolderError, match=said + r".*: rm .*history\.db, or to keep a copy"):
        reaper.connect(store)
    with pytest.raises(FolderError, match=said):
        History(store)
    with pytest.raises(FolderError, match=said):
        enqueue(store, "abc123", "cancel")
    with pytest.raises(LinkedStore, match=said):
        connect_reader(store)
    assert cli.main(["history", str(state.parent)]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "is a hard link" in lines[0], lines
    assert victim.read_bytes() == before
    assert sorted(p.name for p in victim.parent.iterdir()) == ["mine.db"]  # no -wal there


@pytest.mark.parametrize("suffix", ["-wal", "-shm"])
def test_a_hard_link_beside_the_store_is_refused(tmp_path: Path, state: Path, suffix: str) -> None:
    """SQLite writes its write-ahead log and its shared memory as it writes the store:
    into the victim's file, through a second name of it."""
    History(state / "history.db").close()
    victim = tmp_path / "home" / "notes.txt"
    victim.parent.mkdir()
    victim.write_text("mine\n")
    os.link(victim, state / f"history.db{suffix}")
    said = HARD.format(suffix) + r".*: rm \S*history\.db" + suffix + "$"
    with pytest.raises(FolderError, match=said):
        reaper.connect(state / "history.db")
    with pytest.raises(LinkedStore, match=said):
        connect_reader(state / "history.db")
    assert victim.read_text() == "mine\n"


def test_a_hard_link_planted_while_the_store_was_missing_is_refused_once_open(
    tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hard link put at the store's name after the check, as SQLite opened it: no file
    was there before to compare with, and SQLite opened the victim's as the store."""
    victim = victims_file(tmp_path)
    before = victim.read_bytes()
    store = state / "history.db"
    opening = open_store  # as reaper.connect calls it

    def planting(path: Path, connect: Any) -> sqlite3.Connection:
        def planted_then_connect() -> sqlite3.Connection:
            os.link(victim, path)
            return connect()  # type: ignore[no-any-return]

        return opening(path, planted_then_connect)

    monkeypatch.setattr(reaper, "open_store", planting)
    with pytest.raises(FolderError, match=HARD.format("")):
        reaper.connect(store)
    assert victim.read_bytes() == before


# -- 3: a store deleted while its runs live -----------------------------------------------


@contextmanager
def live_run(folder: Path) -> Iterator[FlowRun]:
    """``folder``'s flow ``waiting`` running in this process, which owns it (its agent
    beats for it), until the block ends."""
    write_flow(folder, "waiting", WAITING)
    with Workspace(folder) as workspace:
        workspace.load()
        runner = workspace.make_runner()
        try:
            run = runner.start(workspace.flows["waiting"])
            store = folder / ".flowtop" / "history.db"
            with closing(sqlite3.connect(store)) as conn:
                wait_until(
                    lambda: conn.execute("SELECT count(*) FROM events").fetchone()[0] > 0,
                    "the run's start in the store",
                )
            yield run
        finally:
            runner.shutdown(wait=False)


@pytest.mark.usefixtures("quick_agent")
def test_a_run_whose_store_is_deleted_is_cancelled_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """It ran on writing into the deleted file: no flowtop could see, cancel or rerun it."""
    caplog.set_level(logging.WARNING, logger="flowtop.store")
    folder = tmp_path / "ws"
    with live_run(folder) as run:
        shutil.rmtree(folder / ".flowtop")
        wait_until(lambda: run.done, "the run's end", timeout=5)
        assert run.final_state() is StateType.CANCELLED
        assert run.tasks["waiter"].message == GONE_WHY
    said = [r.getMessage() for r in caplog.records if "is cancelled" in r.getMessage()]
    store = display_path(folder / ".flowtop" / "history.db")
    assert said == [
        f"run {run.run_id} is cancelled: its run store {store} was deleted while it ran, and "
        "no other flowtop could see or cancel it any more (run it again to record it)"
    ]
    assert not (folder / ".flowtop").exists()  # nothing made again where it was


@pytest.mark.usefixtures("quick_agent")
def test_a_run_whose_store_is_replaced_is_cancelled(tmp_path: Path) -> None:
    """Another store put in its place (a backup moved back): the run's records are not
    in it either."""
    folder = tmp_path / "ws"
    with live_run(folder) as run:
        store = folder / ".flowtop" / "history.db"
        for suffix in ("", "-wal", "-shm"):
            store.with_name(f"history.db{suffix}").unlink(missing_ok=True)
        History(store).close()
        wait_until(lambda: run.done, "the run's end", timeout=5)
        assert run.final_state() is StateType.CANCELLED


@pytest.fixture
def quick_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """A store client that looks for a new store every 20 ms, not every second."""
    monkeypatch.setattr(store_client, "REAP_EVERY", 0.02)


@pytest.mark.usefixtures("quick_client")
def test_the_monitor_ends_the_runs_of_a_deleted_store(tmp_path: Path) -> None:
    """A run live in a store deleted and made again (a run started after ``rm -rf
    .flowtop``) never ended on screen: its end went into the deleted file, and no reaper
    of the new one knows it. A run that is no owner agent's stays live here, as one whose
    process was killed would, so only the client can end it."""
    state = tmp_path / "ws" / ".flowtop"
    history = open_live_history(state)

    @task(max_retries=3, retry_delay=30)
    def waiter() -> None:
        raise ConnectionError("not yet")

    with Flow("waiting") as flow:
        waiter()
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    seen: list[LogEvent] = []
    client = StoreClient(history.path, lambda events: seen.extend(events))
    try:
        run = runner.start(flow)
        assert history.flush(10)
        client.open()
        wait_until(lambda: any(e.run_id == run.run_id for e in seen), "the run on screen")
        shutil.rmtree(state)
        open_live_history(state).close()  # the next run's process made a new one
        ended = wait_until(
            lambda: [e for e in seen if isinstance(e, RunInterrupted)], "the run's end", 15
        )
        assert [e.run_id for e in ended] == [run.run_id]
        assert (ended[0].flow, ended[0].run) == ("waiting", 1)
        assert ended[0].reason.startswith("its run store ")
        assert "was deleted or replaced while it ran" in ended[0].reason
    finally:
        client.close()
        run.cancel()
        runner.shutdown(wait=False)
        history.close()


def test_cancel_of_a_run_whose_store_was_deleted_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It said "no runs yet" (no store) or "no run with id" (a new one), as if the run
    had never been."""
    state = tmp_path / "ws" / ".flowtop"
    state.parent.mkdir()
    assert cli.main(["cancel", str(state.parent), "0123abcd4567"]) == 2
    said = capsys.readouterr().err.strip()
    assert said.startswith("flowtop cancel: no runs yet: ")
    assert said.endswith(
        "history.db does not exist (or no more: deleted, it took the runs it recorded with "
        "it; a run process cancels its run when its store is deleted)"
    )
    open_live_history(state).close()
    assert cli.main(["cancel", str(state.parent), "0123abcd4567"]) == 2
    said = capsys.readouterr().err.strip()
    assert said.startswith("flowtop cancel: no run with id '0123abcd4567' in ")
    assert said.endswith(
        "history.db (it holds no runs: if .flowtop was deleted since, the runs recorded "
        "before went with it, and a live one was cancelled)"
    )


def test_cancel_as_the_store_is_deleted_says_it_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``.flowtop`` deleted after the request was queued: reading its outcome ended
    ``flowtop cancel`` with SQLite's "unable to open database file" as a traceback."""
    folder = tmp_path / "ws"
    queue = owner_agent.enqueue

    def enqueue_then_delete(path: Path, *args: Any) -> int:
        queued = queue(path, *args)
        shutil.rmtree(path.parent)
        return queued

    monkeypatch.setattr(owner_agent, "enqueue", enqueue_then_delete)
    with live_run(folder):
        code = cli.main(["cancel", str(folder), "1"])
    said = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(said) == 1, said
    assert "the request is queued, but whether its process took it cannot be read" in said[0]
    assert said[0].endswith(
        "it was deleted since the run was found, and the run went with it (its process "
        "cancels a run whose store is deleted)"
    )
    assert not (folder / ".flowtop").exists()  # not made again, empty, by the request
