"""A big data tree beside the flows is not watched folder by folder.

A project folder holding ``data/year=2024/month=01/day=01/…`` partitions (27,000 folders of
parquet files, no Python) cost 31,000 inotify watches, 4-6 s before the monitor's first
screen, and a walk of the whole tree at each new partition. A folder whose name is not a
Python identifier cannot be a package, so nothing below it can be imported by name from
the workspace: it is not watched, nor anything below it (``watch_scope``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from flowtop.workspace import Workspace, WorkspaceChanged, watcher
from flowtop.workspace.watcher import watched_folders
from waits import WatchStarts

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


def inotify_watches() -> int | None:
    """inotify watches this process holds (Linux), or None when it can't be told."""
    if not Path("/proc/self/fd").is_dir():
        return None
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            if os.readlink(fd) == "anon_inode:inotify":
                info = Path(f"/proc/self/fdinfo/{fd.name}").read_text()
                count += sum(1 for line in info.splitlines() if line.startswith("inotify wd:"))
        except OSError:
            continue
    return count


def partitions(root: Path, years: int, months: int, days: int, first: int = 2024) -> None:
    for year in range(first, first + years):
        for month in range(1, months + 1):
            for day in range(1, days + 1):
                leaf = root / f"year={year}" / f"month={month:02}" / f"day={day:02}"
                leaf.mkdir(parents=True)
                (leaf / "part-0.parquet").write_bytes(b"PAR1")


def test_only_folders_that_could_be_packages_are_watched(tmp_path: Path) -> None:
    partitions(tmp_path / "data", 1, 2, 2)
    for folder in ["data/2024/01", "my-lib/pkg", "v1.2", "lib/pkg/sub", "class", "lib/__pycache__"]:
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "my-lib" / "pkg" / "helper.py").write_text("X = 1\n")
    (tmp_path / ".flowtop" / "logs").mkdir(parents=True)
    folders = watched_folders(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in folders) == [
        ".",
        ".flowtop",
        "data",
        "lib",
        "lib/pkg",
        "lib/pkg/sub",
    ]


class Walks:
    """``watched_folders``, counted: each walk after the first is a restart of the watch."""

    def __init__(self) -> None:
        self.calls = 0
        self.real = watcher.watched_folders

    def __call__(self, root: Path) -> list[Path]:
        self.calls += 1
        return self.real(root)


async def reloaded_as(
    arriving: asyncio.Future[WorkspaceChanged],
    changes: AsyncIterator[WorkspaceChanged],
    name: str,
) -> None:
    async with asyncio.timeout(5.0):
        change = await arriving
        while name not in change.flows:
            change = await anext(changes)


async def test_a_data_tree_costs_no_watch_per_folder_and_no_walk_per_partition(
    write: Callable[[str, str], Path],
    workspace: Callable[..., Workspace],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write("etl.py", FLOW.format(name="etl"))
    partitions(tmp_path / "data", 2, 12, 8)  # 218 folders
    ws = workspace()
    walks = Walks()
    monkeypatch.setattr(watcher, "watched_folders", walks)
    starts = WatchStarts(monkeypatch)
    before = inotify_watches()
    stop = asyncio.Event()
    changes = ws.watch(stop)
    arriving = asyncio.ensure_future(anext(changes))
    try:
        await starts.on(1, arriving)
        during = inotify_watches()
        if before is not None and during is not None:  # Linux: count them
            assert during - before <= 3, f"{during - before} inotify watches"  # ., .flowtop, data
        partitions(tmp_path / "data" / "new", 1, 1, 1)  # (`new/` is watched: a walk)
        partitions(tmp_path / "data", 1, 1, 1, first=2030)  # a new partition: no walk
        await starts.on(2, arriving)  # the restart for `new/`
        write("etl.py", FLOW.format(name="renamed"))
        await reloaded_as(arriving, changes, "renamed")
        assert walks.calls == 2, f"{walks.calls - 1} restarts for one new package folder"
    finally:
        stop.set()
        with contextlib.suppress(StopAsyncIteration, TimeoutError):
            await asyncio.wait_for(arriving, 5.0)
        await changes.aclose()


async def test_a_helper_written_with_its_new_folders_is_reloaded_and_watched(
    write: Callable[[str, str], Path],
    workspace: Callable[..., Workspace],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``mkdir -p lib/a/b`` and a file in it at once: the file was written before any
    watch covered its folder, and is reloaded all the same; then a save of it is seen."""
    write("etl.py", "import lib.a.b.util\n" + FLOW.format(name="etl"))
    ws = workspace()
    assert ws.errors  # lib.a.b.util is not there yet
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = ws.watch(stop)
    arriving = asyncio.ensure_future(anext(changes))
    try:
        await starts.on(1, arriving)
        write("lib/a/b/util.py", "NAME = 'etl'\n")
        async with asyncio.timeout(5.0):
            change = await arriving
            while not ws.flows:
                change = await anext(changes)
        write("lib/a/b/util.py", "NAME = 'again'\n")
        async with asyncio.timeout(5.0):
            change = await anext(changes)
            while not change.helpers:
                change = await anext(changes)
        assert change.helpers == ("lib/a/b/util.py",)
    finally:
        stop.set()
        await changes.aclose()
