"""A monitor opened on a run store it cannot read runs again once the store is moved away.

Its words said "move it away and flowtop starts a new one", but the monitor tried to
open the store only as it started: moved away, the header still read `cannot run flows
— r says why` and `r` said the store could not be read, while `flowtop run` from a shell
recorded run #1 in a new store. Only a restart ran flows again. It looks at what stands
at the store's path once a second now (``blocked_store``), and tries again on a change:
the file moved away (a new store is made), or a good store put in its place.
"""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.blocked_store import BlockedStore
from flowtop.workspace import Workspace
from flowtop.workspace.history import History
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import toasts_said, wait_for, wait_for_run, wait_for_text

from .test_garbage_store_said import FLOW  # (one task: the flow a garbage store holds up)


@pytest.fixture
def garbage_store(tmp_path: Path) -> Iterator[tuple[Workspace, Path]]:
    """A workspace of one flow whose run store is no database, and that store's path."""
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "one.py").write_text(textwrap.dedent(FLOW).lstrip())
    db = tmp_path / "ws" / ".flowtop" / "history.db"
    db.parent.mkdir(mode=0o700)
    db.write_bytes(b"not a database, not even close " * 4000)
    workspace = Workspace(tmp_path / "ws")
    workspace.load()
    yield workspace, db
    workspace.close()


async def test_moving_the_unreadable_store_away_lets_flows_run_again(
    garbage_store: tuple[Workspace, Path], tmp_path: Path
) -> None:
    workspace, db = garbage_store
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        await wait_for_text(pilot, app, "one  cannot run flows — r says why")
        with toasts_said(app) as said:
            os.rename(db, tmp_path / "elsewhere.db")  # as its words advise
            await wait_for(pilot, lambda: app.control is not None, "flows to run again", 10)
            assert app.control_error is None
            await wait_for_text(pilot, app, "one  not run yet — press r to run")
            await wait_for(  # (its toast is a message the app takes after the header)
                pilot, lambda: any("is another file now" in s for s in said), "the toast", 10
            )
            assert any("Flows can run again: the run store at" in s for s in said), said
        await pilot.press("r")
        await wait_for_run(pilot, app, StateType.COMPLETED)
        await wait_for_text(pilot, app, "one  run #1")
        runs = StoreReader(db).runs()
        assert [(r.flow, r.number, r.state) for r in runs] == [("one", 1, "COMPLETED")]
        app.shutdown(cancel=True)


async def test_a_good_store_copied_over_the_unreadable_one_is_read(
    garbage_store: tuple[Workspace, Path], tmp_path: Path
) -> None:
    """Written in place (``cp good.db history.db``: the same file, its bytes changed),
    as well as moved away: the store is tried again and read."""
    workspace, db = garbage_store
    good = tmp_path / "good.db"
    History(good).close()
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        inode = db.stat().st_ino
        with toasts_said(app) as said:
            shutil.copyfile(good, db)
            assert db.stat().st_ino == inode  # (in place)
            await wait_for(pilot, lambda: app.control is not None, "flows to run again", 10)
            assert app.control_error is None
            await wait_for_text(pilot, app, "one  not run yet — press r to run")
            await wait_for(
                pilot, lambda: any("can be read now" in s for s in said), "the toast", 10
            )
        app.shutdown(cancel=True)


async def test_another_unreadable_store_in_its_place_still_cannot_run(
    garbage_store: tuple[Workspace, Path], tmp_path: Path
) -> None:
    """Tried again on a change, a store that still cannot be read keeps the app from
    running, said once: the same toast is not said again at each look."""
    workspace, db = garbage_store
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        blocked = app._blocked
        assert blocked is not None
        with toasts_said(app) as said:
            db.write_bytes(b"still not a database " * 100)
            await wait_for(pilot, lambda: app._blocked is not blocked, "a try again", 10)
            assert app.control is None
            assert (app.control_error or "").startswith(f"Cannot run flows: {db}: cannot read")
            assert not [s for s in said if s.startswith("Cannot run flows")]
            await wait_for_text(pilot, app, "one  cannot run flows — r says why")
        app.shutdown(cancel=True)


async def test_a_file_where_its_folder_goes_is_said_in_the_commands_words(
    garbage_store: tuple[Workspace, Path],
) -> None:
    """`[Errno 20] Not a directory: '…/.flowtop/history.db'` was the monitor's reason once
    ``.flowtop`` became a file while it looked at a damaged store."""
    workspace, db = garbage_store
    app = FlowtopApp(workspace, watch=False, run_processes=True)
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control_error is not None, "the store's error", 10)
        shutil.rmtree(db.parent)
        db.parent.write_text("x")
        await wait_for(
            pilot,
            lambda: "is a file, where flowtop keeps its folder" in (app.control_error or ""),
            "the file in the way said",
            10,
        )
        assert "Errno" not in (app.control_error or "")
        app.shutdown(cancel=True)


def test_a_store_hidden_by_its_folder_then_seen_again_is_the_same_file(tmp_path: Path) -> None:
    """``chmod 000 .flowtop`` then ``chmod 700``: the toast said "another file now" of the
    store it had never seen (root reads a closed folder, so its look is made here)."""
    db = tmp_path / ".flowtop" / "history.db"
    db.parent.mkdir()
    db.write_bytes(b"junk")
    seen = BlockedStore(db)
    hidden = BlockedStore(tmp_path / "nowhere" / "history.db", seen.known)  # (unseen)
    hidden.db = db
    assert "can be read now" in hidden.recovered()
    assert "can be read now" in BlockedStore(db, None).recovered()
    db.rename(tmp_path / "elsewhere.db")  # (kept: a removed file's number may be reused)
    db.write_bytes(b"a new file")
    assert "is another file now" in seen.recovered()
