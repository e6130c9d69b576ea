"""A save made while the watch was off is reloaded once it is on again.

After a watched folder vanished the watcher paused (``RETRY_FIRST`` .. ``RETRY_MAX``) and
watched again; a save made during that pause had no watch to see it, and the flow stayed
as it was until the next save. The same after a failed watch, which the monitor starts
again with a new ``watch`` call. Now the files the watch covers are compared with what it
had seen, and the changed ones reloaded. The saves are made inside the pause here (a
``_pause`` that saves first), or between two watches, so the timing is certain.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import watchfiles

from flowtop.workspace import Workspace, WorkspaceChanged, watcher
from waits import WatchStarts

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


@pytest.fixture
def loaded(write: Callable[[str, str], Path], workspace: Callable[..., Workspace]) -> Workspace:
    write("etl.py", FLOW.format(name="etl"))
    return workspace()


def first_listing_has_a_gone_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first ``watched_folders`` lists ``folder``, removed before its watch starts:
    the watch fails at once with "No such file or directory" and pauses."""
    real = watcher.watched_folders
    calls = 0

    def listing(root: Path) -> list[Path]:
        nonlocal calls
        calls += 1
        if calls > 1:
            return real(root)
        folder.mkdir()
        folders = real(root)
        shutil.rmtree(folder)
        return folders

    monkeypatch.setattr(watcher, "watched_folders", listing)


async def reloaded_as(changes: AsyncIterator[WorkspaceChanged], name: str) -> None:
    """The watch yields a reload showing flow ``name`` without any further save."""
    async with asyncio.timeout(3.0):
        while name not in (await anext(changes)).flows:
            pass


async def test_a_save_during_the_pause_after_a_vanished_folder_is_reloaded(
    loaded: Workspace,
    write: Callable[[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first_listing_has_a_gone_folder(tmp_path / "tmpbuild", monkeypatch)
    real_pause = watcher._pause
    pauses = 0

    async def saving_pause(stop_event: Any, seconds: float) -> None:
        nonlocal pauses
        pauses += 1
        write("etl.py", FLOW.format(name="saved_while_paused"))
        await real_pause(stop_event, seconds)

    monkeypatch.setattr(watcher, "_pause", saving_pause)
    stop = asyncio.Event()
    changes = loaded.watch(stop)
    try:
        await reloaded_as(changes, "saved_while_paused")
        assert pauses == 1
        assert list(loaded.flows) == ["saved_while_paused"]
    finally:
        stop.set()
        await changes.aclose()


async def test_a_save_between_a_failed_watch_and_the_next_is_reloaded(
    loaded: Workspace,
    write: Callable[[str, str], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The monitor starts a failed watch again (after its own pause) with a new call."""
    real_awatch = watchfiles.awatch

    async def full_inotify_table(*paths: Any, **options: Any) -> AsyncIterator[Any]:
        raise OSError(28, "OS file watch limit reached")
        yield set()  # (an async generator, as awatch is)

    monkeypatch.setattr(watchfiles, "awatch", full_inotify_table)
    stop = asyncio.Event()
    failing = loaded.watch(stop)
    with pytest.raises(OSError, match="limit reached"):
        await anext(failing)
    write("etl.py", FLOW.format(name="saved_while_off"))
    monkeypatch.setattr(watchfiles, "awatch", real_awatch)
    changes = loaded.watch(stop)
    try:
        await reloaded_as(changes, "saved_while_off")
    finally:
        stop.set()
        await changes.aclose()


async def test_a_watch_started_again_reloads_nothing_unchanged(
    loaded: Workspace,
    write: Callable[[str, str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """What the first watch reloaded itself is not reloaded again by the next: no
    "No flow changed" toast for files nobody saved while it was off."""
    write("lib/util.py", "X = 1\n")
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = loaded.watch(stop)
    arriving = asyncio.ensure_future(anext(changes))
    await starts.on(1, arriving)
    write("etl.py", FLOW.format(name="seen_by_the_first"))
    async with asyncio.timeout(3.0):
        change = await arriving
        while "seen_by_the_first" not in change.flows:
            change = await anext(changes)
    stop.set()
    await changes.aclose()

    stop_again = asyncio.Event()
    again = loaded.watch(stop_again)
    second = asyncio.ensure_future(anext(again))
    await starts.on(2, second)  # on, and caught up with what was saved while none was
    assert starts.missed[1] == [], "caught up with files the first watch had reloaded"
    assert not second.done(), f"reloaded again: {second.result()}"
    stop_again.set()
    with contextlib.suppress(StopAsyncIteration):
        await asyncio.wait_for(second, 5.0)
    await again.aclose()


def test_a_folder_that_cannot_be_listed_for_a_moment_is_not_taken_for_gone(
    write: Callable[[str, str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its files are not reloaded as deleted (their flows would vanish from the list)."""
    etl = write("etl.py", FLOW.format(name="etl"))
    util = write("lib/util.py", "X = 1\n")
    wanted = watcher.WatchFilter(tmp_path)
    folders = [tmp_path, tmp_path / "lib"]
    seen = {path: stamp for path, stamp in watcher.file_stamps(folders, wanted).items() if stamp}
    write("lib/util.py", "X = 22\n")
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == tmp_path:
            raise OSError(24, "Too many open files")
        return real_scandir(path)

    monkeypatch.setattr(watcher.os, "scandir", scandir)
    assert watcher._catch_up(seen, folders, wanted) == [util]
    assert etl in seen
