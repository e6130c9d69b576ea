"""The owner agent and ``enqueue`` (``flowtop cancel``, the TUI's ``c``/``n``/``x``) open
the run store as its writers do: never through a symbolic link.

Every command and the TUI refuse a link at the store as they open it, but ``enqueue`` and
the agent opened their own connection later with a plain ``sqlite3.connect``: a link a
member of a shared ``.flowtop`` put at ``history.db`` after that check (the TUI open for
hours, or between ``flowtop cancel``'s lookup and its request) was followed, and the
request written, as you, into the file it points at (a dangling one's made), with its
``-wal`` beside that file. Now each is a ``FolderError`` naming the link: one line from
``flowtop cancel`` (exit 2), one notification in the TUI.
"""

from __future__ import annotations

import os
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import pytest

from flowtop import cli
from flowtop.commands import cancel, store_access
from flowtop.engine.run import FlowRun
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.confirm import ConfirmScreen
from flowtop.workspace import Workspace, owner_agent
from flowtop.workspace.history import History, open_live_history
from flowtop.workspace.owner_agent import OwnerAgent, enqueue
from flowtop.workspace.private import FolderError
from pilot_kit import wait_for

from .conftest import WAITING, wait_until

LINK_SAID = r"cannot open .*history\.db: .*history\.db is a symbolic link.*: rm .*history\.db$"


def victims_store(tmp_path: Path) -> Path:
    """A store of the victim's elsewhere, with a ``commands`` table a request fits in."""
    victim = tmp_path / "home" / "mine.db"
    victim.parent.mkdir()
    History(victim).close()
    return victim


def plant_link(store: Path, target: Path) -> None:
    """Put a link to ``target`` at ``store``, after a process has checked and opened it:
    the store moved aside (a process that has it open keeps it), as a member would. In
    one step (a second name, then the link renamed over the first): a moment with no file
    at the store's name is a store deleted, whose runs its owner cancels (it did, now
    and then, under load)."""
    planted = store.with_name("planted.db")
    planted.symlink_to(target)
    os.link(store, store.with_name("moved.db"))
    os.replace(planted, store)


def take_link_away(store: Path) -> None:
    os.replace(store.with_name("moved.db"), store)  # in one step too


def untouched(victim: Path, before: bytes) -> None:
    assert victim.read_bytes() == before
    assert sorted(p.name for p in victim.parent.iterdir()) == [victim.name]  # no -wal there


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A workspace's run store, made and checked as every command makes it."""
    state = tmp_path / "ws" / ".flowtop"
    state.mkdir(parents=True, mode=0o700)
    open_live_history(state).close()
    return state / "history.db"


def test_enqueue_refuses_a_link_to_another_store(tmp_path: Path, store: Path) -> None:
    """The request went into the victim's store: its owner, should it have a run of that
    id, would have acted on it."""
    victim = victims_store(tmp_path)
    before = victim.read_bytes()
    plant_link(store, victim)
    with pytest.raises(FolderError, match=LINK_SAID):
        enqueue(store, "abc123", "cancel")
    untouched(victim, before)


def test_enqueue_refuses_a_dangling_link(tmp_path: Path, store: Path) -> None:
    """SQLite made the file the link points at, as you, then said "no such table:
    commands", with advice to move the store away."""
    target = tmp_path / "home" / "made.db"
    target.parent.mkdir()
    plant_link(store, target)
    with pytest.raises(FolderError, match=LINK_SAID):
        enqueue(store, "abc123", "cancel")
    assert not target.exists()


def test_the_owner_agent_refuses_a_linked_store_and_its_folder(tmp_path: Path, store: Path) -> None:
    """A run process's agent beat and wrote its commands' outcomes through either."""
    # (an agent another test of this worker left going is not this test's)
    before = {t for t in threading.enumerate() if t.name == "flowtop-owner"}
    victim = victims_store(tmp_path)
    kept = victim.read_bytes()
    plant_link(store, victim)
    with pytest.raises(FolderError, match=LINK_SAID):
        OwnerAgent(store, "me", lambda run_id, kind, task: None)
    take_link_away(store)
    state = store.parent
    state.rename(state.with_name("elsewhere"))
    state.symlink_to(state.with_name("elsewhere"))  # .flowtop itself, in a shared workspace
    with pytest.raises(FolderError, match=r"\.flowtop is a symbolic link.*: rm .*\.flowtop$"):
        OwnerAgent(store, "me", lambda run_id, kind, task: None)
    untouched(victim, kept)
    assert not [t for t in threading.enumerate() if t.name == "flowtop-owner" and t not in before]


def test_a_normal_store_keeps_the_agent_s_connection(store: Path) -> None:
    """As before: autocommit, a 5 s busy timeout, usable from the agent's thread, and
    ``synchronous = NORMAL`` (a heartbeat every half second, each not fsynced)."""
    conn = owner_agent._connect(store)
    try:
        assert conn.isolation_level is None
        assert conn.execute("PRAGMA busy_timeout").fetchone() == (5000,)
        assert conn.execute("PRAGMA synchronous").fetchone() == (1,)
        assert conn.execute("PRAGMA query_only").fetchone() == (0,)
        seen: list[Any] = []
        reader = threading.Thread(target=lambda: seen.append(conn.execute("SELECT 1").fetchone()))
        reader.start()
        reader.join(5)
        assert seen == [(1,)]
    finally:
        conn.close()
    assert enqueue(store, "abc123", "cancel") == 1
    assert owner_agent.outcome(store, 1) is None


@contextmanager
def live_run(folder: Path) -> Iterator[tuple[Workspace, FlowRun]]:
    """``folder``'s flow ``waiting`` running in this process, which owns it (its agent
    takes requests), until the block ends: a run ``flowtop cancel`` and ``c`` may cancel."""
    (folder / "waiting.py").write_text(WAITING.replace("\n    ", "\n").lstrip())
    workspace = Workspace(folder)
    try:
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
            yield workspace, run
        finally:
            runner.shutdown(wait=False)
    finally:
        workspace.close()


@pytest.mark.parametrize(
    ("planted_after", "said_then"),
    [
        ("find_run", ""),  # the lookup: the request is refused
        ("enqueue", "the request is queued, but whether its process took it cannot be read: "),
    ],
)
def test_cancel_says_a_link_planted_as_it_runs_in_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    planted_after: str,
    said_then: str,
) -> None:
    """The request went through the link into the victim's store (or its outcome was
    read from there), and ``flowtop cancel`` waited its 5 s for an owner that never
    answered, then said it "did not take the request"."""
    victim = victims_store(tmp_path)
    before = victim.read_bytes()
    folder = tmp_path / "ws"
    folder.mkdir()
    store = folder / ".flowtop" / "history.db"
    # ``find_run`` as ``cancel`` imported it; ``enqueue`` as its ``main`` imports it
    module = cancel if planted_after == "find_run" else owner_agent
    step = getattr(store_access if module is cancel else owner_agent, planted_after)

    def planting(*args: Any, **options: Any) -> Any:
        done = step(*args, **options)
        plant_link(store, victim)
        return done

    monkeypatch.setattr(module, planted_after, planting)
    monkeypatch.setattr(cancel, "WAIT", 0.2)  # before the fix: "did not take the request"
    with live_run(folder) as (_, run):
        try:
            code = cli.main(["cancel", str(folder), "1"])
        finally:
            take_link_away(store)
        if said_then:  # queued before the link: its owner takes it
            wait_until(lambda: run.done, "the owner to take the request")
        else:
            assert not run.done  # nothing reached its owner
    said = capsys.readouterr().err.splitlines()
    assert code == 2
    assert len(said) == 1, said
    named = re.escape(f"flowtop cancel: run #1 of waiting ({run.run_id}): {said_then}")
    assert re.match(named + LINK_SAID, said[0]), said
    untouched(victim, before)


async def test_the_tui_says_a_linked_store_as_one_notification(tmp_path: Path) -> None:
    """``c`` on a live run after a link took the store's place: the request went into
    the victim's store, and the TUI said nothing."""
    victim = victims_store(tmp_path)
    before = victim.read_bytes()
    folder = tmp_path / "ws"
    folder.mkdir()
    store = folder / ".flowtop" / "history.db"
    with live_run(folder) as (workspace, run):
        app = FlowtopApp(workspace, watch=False, run_processes=True)
        async with app.run_test(size=(120, 36), notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
            app.flow_list.select_flow("waiting")
            await wait_for(
                pilot,
                lambda: (shown := app.store.latest_for("waiting")) is not None and shown.is_live,
                "the live run",
            )
            plant_link(store, victim)
            try:
                await pilot.press("c")
                await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the question")
                await pilot.press("y")
                await wait_for(
                    pilot,
                    lambda: any("Could not cancel" in n.message for n in app._notifications),
                    "the refusal",
                )
                await pilot.pause(0.1)
            finally:
                take_link_away(store)
            refusals = [n for n in app._notifications if "symbolic link" in n.message]
            assert len(refusals) == 1, [n.message for n in app._notifications]
            (refusal,) = refusals
            assert refusal.severity == "error"
            assert refusal.message.startswith("Could not cancel run #1 of waiting: cannot open ")
            assert "\n" not in refusal.message
            assert not run.done
            app.shutdown()
    untouched(victim, before)
