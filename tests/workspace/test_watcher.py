"""The watcher: which saves count, and a real save arriving as a WorkspaceChanged."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
from watchfiles import Change

from flowtop.workspace.watcher import WatchFilter, watched_folders
from waits import WatchStarts

FLOW = "from flowtop import Flow\nflow = Flow({name!r})\n"


@pytest.mark.parametrize(
    ("relative", "passes"),
    [
        ("etl.py", True),
        ("lib/util.py", True),
        ("flowtop.toml", True),
        (".flowtop/overrides.toml", True),
        (".flowtop/history.db", False),
        (".flowtop/history.db-wal", False),
        (".flowtop/.overrides.toml.x1y2.tmp", False),
        (".flowtop/other.toml", False),
        ("pyproject.toml", False),
        ("lib/flowtop.toml", False),
        ("__pycache__/etl.cpython-311.py", False),
        ("etl.py~", False),
        (".etl.py.swp", False),
        (".#etl.py", False),
        (".git/hooks/x.py", False),
        (".venv/lib/site.py", False),
        ("notes.txt", False),
    ],
)
def test_filter_passes_only_python_and_settings_files(tmp_path, relative, passes):
    assert WatchFilter(tmp_path)(Change.modified, str(tmp_path / relative)) is passes


def test_filter_ignores_paths_outside_the_root(tmp_path):
    assert not WatchFilter(tmp_path / "a")(Change.modified, str(tmp_path / "b" / "etl.py"))


async def next_change(iterator, seconds: float = 5.0):
    return await asyncio.wait_for(anext(iterator), seconds)


async def test_a_saved_file_arrives_as_a_workspace_changed(write, workspace, tmp_path, monkeypatch):
    write("etl.py", FLOW.format(name="etl"))
    ws = workspace()
    starts = WatchStarts(monkeypatch)
    stop = asyncio.Event()
    changes = ws.watch(stop)
    watching = asyncio.ensure_future(next_change(changes))
    await starts.on(1, watching)  # the watch is on before the save
    write("etl.py", FLOW.format(name="renamed"))
    change = await watching
    assert change.flows == ("renamed",) and change.removed == ("etl",)
    assert list(ws.flows) == ["renamed"]

    overrides = write(".flowtop/overrides.toml", '[flows."renamed".tasks."t"]\ntimeout = 3\n')
    change = await next_change(changes)
    while overrides not in change.paths:  # a late event of the first save may come first
        change = await next_change(changes)
    assert change.settings_changed
    assert ws.override_for("renamed", "t") == {"timeout": 3}
    stop.set()
    await changes.aclose()


def inotify_watches() -> int | None:
    """inotify watches this process holds (Linux), or None when it can't be told."""
    fds = Path("/proc/self/fd")
    if not fds.is_dir():
        return None
    count = 0
    for fd in fds.iterdir():
        try:
            if os.readlink(fd) != "anon_inode:inotify":
                continue
            info = Path(f"/proc/self/fdinfo/{fd.name}").read_text()
        except OSError:
            continue
        count += sum(1 for line in info.splitlines() if line.startswith("inotify wd:"))
    return count


def test_watched_folders_never_follow_a_symlink_out_of_the_workspace(tmp_path):
    """issue 16 item 8: a link to /usr in the flows folder made the watcher place 15,547 watches."""
    outside = tmp_path / "outside"
    for i in range(30):
        (outside / f"d{i}" / "x").mkdir(parents=True)
    ws = tmp_path / "ws"
    (ws / "lib" / "sub").mkdir(parents=True)
    (ws / "__pycache__").mkdir()
    (ws / ".flowtop" / "logs").mkdir(parents=True)
    os.symlink(outside, ws / "usr")
    os.symlink(tmp_path, ws / "loop")
    folders = watched_folders(ws)
    assert sorted(p.relative_to(ws).as_posix() for p in folders) == [
        ".",
        ".flowtop",
        "lib",
        "lib/sub",
    ]


def test_a_virtualenv_is_not_watched_whatever_its_name(tmp_path: Path) -> None:
    """A venv named ``env/`` (only ``venv`` and ``.venv`` were skipped) had its thousands
    of installed folders watched one by one, and each ``pip install`` restarted the watch
    and toasted "No flow changed (env/lib/…)"."""
    (tmp_path / "env" / "lib" / "site-packages" / "pkg").mkdir(parents=True)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (tmp_path / "jobs").mkdir()
    folders = watched_folders(tmp_path)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in folders) == [".", "jobs"]


async def test_the_watcher_places_no_watch_through_a_symlink_and_sees_new_folders(
    write, workspace, tmp_path, monkeypatch
):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    for i in range(40):
        (outside / f"d{i}").mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(outside, tmp_path / "usr")
        write("etl.py", FLOW.format(name="etl"))
        ws = workspace()
        before = inotify_watches()
        starts = WatchStarts(monkeypatch)
        stop = asyncio.Event()
        changes = ws.watch(stop)
        watching = asyncio.ensure_future(next_change(changes))
        await starts.on(1, watching)
        during = inotify_watches()
        if before is not None and during is not None:  # Linux: count them
            assert during - before <= 3, f"{during - before} inotify watches"  # ., .flowtop
        # a helper package created after the watch started is watched too
        (tmp_path / "pkg").mkdir()
        await starts.on(2, watching)  # the watch restarted to add it
        write("pkg/__init__.py", "")
        write("etl.py", "import pkg\n" + FLOW.format(name="etl2"))
        change = await watching
        while "etl2" not in change.flows:
            change = await next_change(changes)
        write("pkg/__init__.py", "VALUE = 2\n")
        change = await next_change(changes)
        while not change.helpers:
            change = await next_change(changes)
        assert change.helpers == ("pkg/__init__.py",)
        stop.set()
        await changes.aclose()
    finally:
        import shutil

        shutil.rmtree(outside)
