"""A folder that vanishes before its watch starts never stops hot reload.

``mkdir tmpbuild/...; rm -rf tmpbuild`` in a loop (a build, ``pip install`` into a venv
folder named ``env/``) made the watcher list ``tmpbuild`` and start a watch on it after it
was gone: ``FileNotFoundError: No such file or directory (os error 2) about
["…/tmpbuild"]`` ended the watch, and no save was reloaded again. Now the watcher lists
the folders again and goes on. The race is made certain here by removing the folder just
after ``watched_folders`` listed it.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import Workspace, watcher
from waits import WatchStarts, until

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


class ListedThenGone:
    """``watched_folders`` that, on the calls numbered in ``on_calls``, lists ``folder``
    (created for the occasion) and then removes it: gone before the watch on it starts."""

    def __init__(self, folder: Path, on_calls: set[int]) -> None:
        self.folder = folder
        self.on_calls = on_calls
        self.calls = 0
        self.real = watcher.watched_folders

    def __call__(self, root: Path) -> list[Path]:
        self.calls += 1
        if self.calls not in self.on_calls:
            return self.real(root)
        (self.folder / "lib" / "pkg").mkdir(parents=True, exist_ok=True)
        folders = self.real(root)
        assert self.folder in folders
        shutil.rmtree(self.folder)
        return folders


class Watching:
    """A watch always being waited on, as the app does (the watcher only runs while
    someone waits for its next change); the wait is never cancelled: that ends the watch."""

    def __init__(self, workspace: Workspace) -> None:
        self.stop = asyncio.Event()
        self.changes = workspace.watch(self.stop)
        self.arriving = asyncio.ensure_future(anext(self.changes))

    async def saved_flow_arrives(self, write: Callable[[str, str], Path], name: str) -> None:
        """Save ``etl.py`` as flow ``name`` until a reload shows it (a save made while the
        watch was being renewed may be missed; the next one must not be)."""
        for _ in range(20):
            write("etl.py", FLOW.format(name=name))
            await asyncio.wait({self.arriving}, timeout=0.5)
            while self.arriving.done():
                change = self.arriving.result()  # raises what ended the watch
                self.arriving = asyncio.ensure_future(anext(self.changes))
                if name in change.flows:
                    return
                await asyncio.wait({self.arriving}, timeout=0.1)
        pytest.fail(f"no save of etl.py was reloaded as flow {name!r}")

    async def close(self) -> None:
        self.stop.set()
        with contextlib.suppress(StopAsyncIteration):
            await asyncio.wait_for(self.arriving, 5.0)
        await self.changes.aclose()


@pytest.fixture
def loaded(write: Callable[[str, str], Path], workspace: Callable[..., Workspace]) -> Workspace:
    write("etl.py", FLOW.format(name="etl"))
    return workspace()


async def test_a_folder_gone_before_the_first_watch_starts(
    loaded: Workspace, write: Callable[[str, str], Path], tmp_path: Path, monkeypatch: Any
) -> None:
    listing = ListedThenGone(tmp_path / "tmpbuild", on_calls={1})
    monkeypatch.setattr(watcher, "watched_folders", listing)
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = loaded.watch(stop)
    first = asyncio.ensure_future(anext(changes))
    await until(lambda: listing.calls >= 2 or first.done(), "the watcher to list again")
    if first.done():
        first.result()  # the watch failed: raise what it raised
    await starts.on(1, first)  # the renewed watch is on (the failed one never was)
    write("etl.py", FLOW.format(name="renamed"))
    change = await asyncio.wait_for(first, 5.0)
    while "renamed" not in change.flows:
        change = await asyncio.wait_for(anext(changes), 5.0)
    stop.set()
    await changes.aclose()


async def test_a_folder_created_and_removed_during_the_watch(
    loaded: Workspace, write: Callable[[str, str], Path], tmp_path: Path, monkeypatch: Any
) -> None:
    """The reported loop, one round made certain: the new folder is seen, and gone by the
    time the renewed watch starts on it; a few more rounds follow at random speed."""
    listing = ListedThenGone(tmp_path / "tmpbuild", on_calls={2})
    monkeypatch.setattr(watcher, "watched_folders", listing)
    watching = Watching(loaded)
    await watching.saved_flow_arrives(write, "first")
    (tmp_path / "tmpbuild").mkdir()  # the watch restarts to add it: listing call 2
    await until(
        lambda: listing.calls >= 3 or watching.arriving.done(),
        "the watcher to list again after the failure",
    )
    for pause in (0.0, 0.01, 0.03):
        (tmp_path / "tmpbuild" / "lib" / "pkg").mkdir(parents=True)
        (tmp_path / "tmpbuild" / "lib" / "pkg" / "x.py").touch()
        await asyncio.sleep(pause)
        shutil.rmtree(tmp_path / "tmpbuild")
    await watching.saved_flow_arrives(write, "after")
    await watching.close()


async def test_a_watched_folder_deleted_mid_watch(
    loaded: Workspace, write: Callable[[str, str], Path], tmp_path: Path
) -> None:
    (tmp_path / "lib" / "sub").mkdir(parents=True)
    watching = Watching(loaded)
    await watching.saved_flow_arrives(write, "first")
    shutil.rmtree(tmp_path / "lib")
    await watching.saved_flow_arrives(write, "after")
    await watching.close()


async def test_the_workspace_folder_itself_gone_still_fails(
    tmp_path: Path, monkeypatch: Any
) -> None:
    """Retrying is for a folder inside the workspace: with the workspace gone the watch
    says so (the app shows it) instead of retrying quietly forever."""
    gone = tmp_path / "ws"
    gone.mkdir()
    ws = Workspace(gone)
    shutil.rmtree(gone)
    monkeypatch.setattr(watcher, "watched_folders", lambda root: [root])
    changes = ws.watch(asyncio.Event())
    with pytest.raises(FileNotFoundError):
        await asyncio.wait_for(anext(changes), 5.0)
    ws.close()


async def test_the_folder_walk_leaves_the_event_loop_free(
    loaded: Workspace, tmp_path: Path, monkeypatch: Any
) -> None:
    """The watcher lists the workspace's folders again at each new folder; in a tree of
    thousands (a data lake's ``year=/month=/day=`` partitions, a new one each second)
    that took seconds, on the monitor's event loop: keys waited up to 5 s. That walk
    runs on a thread (the first, as the monitor opens, at once)."""
    real = watcher.watched_folders
    walks = 0
    released = threading.Event()  # set by the event loop while the second walk goes on
    loop_turned: list[bool] = []

    def slow(root: Path) -> list[Path]:
        nonlocal walks
        walks += 1
        if walks > 1:  # as a walk of 30,000 folders, until the event loop has turned
            loop_turned.append(released.wait(10))  # (on the loop, it never could)
        return real(root)

    monkeypatch.setattr(watcher, "watched_folders", slow)
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = loaded.watch(stop)
    first = asyncio.ensure_future(anext(changes))
    await starts.on(1, first)
    (tmp_path / "partition").mkdir()  # a new folder: the watcher walks again
    await until(lambda: walks >= 2, "the second walk")
    released.set()  # the loop turns while the walk goes on
    await starts.on(2, first)
    assert loop_turned == [True], "the event loop stood still while the watcher walked"
    stop.set()
    with contextlib.suppress(StopAsyncIteration, asyncio.TimeoutError):
        await asyncio.wait_for(first, 5.0)
    await changes.aclose()
