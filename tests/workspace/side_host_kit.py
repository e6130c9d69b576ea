"""The folder the reload-beside (side host) tests share, and how they watch it.

``etl.py`` (a flow whose ``transform`` retries as the test's decorator says) is written at
once; ``slow.py`` (its import waits for ``go.flag``), ``hang.py`` (its import never ends)
and ``notes.py`` (no flows) are the files a test saves while the watch is on.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.changes import WorkspaceChanged
from waits import WatchStarts

ETL = """
from flowtop import Flow, task


@task
def extract():
    return 1


{decorator}
def transform(x):
    return x


with Flow("etl") as flow:
    transform(extract())
"""

HANG = "import time\nfrom flowtop import Flow\n\ntime.sleep(10**9)\n"

QUICK = """
from flowtop import Flow, task


@task
def one():
    return 1


with Flow("after") as flow:
    one()
"""

#: Imports until the file ``go`` exists: a reload that is slow, then finishes.
SLOW = """
import pathlib
import time
from flowtop import Flow, task

while not pathlib.Path({go!r}).exists():
    time.sleep(0.02)


@task
def s():
    return 1


with Flow("slow") as flow:
    s()
"""

BROKEN = "from flowtop import Flow\nraise ValueError('boom')\n"


@dataclass(frozen=True)
class SideFolder:
    """A test's folder: ``etl.py`` written (plain ``@task``), the others' paths only."""

    root: Path
    etl: Path
    slow: Path
    go: Path
    hang: Path
    notes: Path
    starts: WatchStarts

    def write_slow(self) -> None:
        """Save ``slow.py``: its import goes on until ``go.flag`` is touched."""
        self.slow.write_text(SLOW.format(go=str(self.go)))


def side_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, load_timeout: int = 30
) -> SideFolder:
    """``tmp_path`` with its ``load_timeout`` and ``etl.py``; its watch starts noted."""
    (tmp_path / "flowtop.toml").write_text(f"[defaults]\nload_timeout = {load_timeout}\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    return SideFolder(
        root=tmp_path,
        etl=etl,
        slow=tmp_path / "slow.py",
        go=tmp_path / "go.flag",
        hang=tmp_path / "hang.py",
        notes=tmp_path / "notes.py",
        starts=WatchStarts(monkeypatch),
    )


@contextlib.asynccontextmanager
async def loaded(folder: SideFolder) -> AsyncIterator[RemoteWorkspace]:
    """A ``RemoteWorkspace`` on ``folder``, loaded (off the event loop); closed after."""
    with RemoteWorkspace(folder.root) as workspace:
        await asyncio.to_thread(workspace.load)
        yield workspace


def transform_policy(workspace: RemoteWorkspace) -> str:
    shape = workspace.shapes.get("etl")
    return "" if shape is None else shape.nodes["transform"].policy.summary


def watching(
    workspace: RemoteWorkspace, note: Callable[[WorkspaceChanged], Any] = lambda change: change
) -> tuple[list[Any], asyncio.Event, asyncio.Future[None]]:
    """``workspace``'s watch, started (on once ``starts.on(1, task)`` returns): the changes
    it says (each as ``note`` makes it), the event that stops it, the task collecting them."""
    stop = asyncio.Event()
    changes: list[Any] = []

    async def collect() -> None:
        async for change in workspace.watch(stop):
            changes.append(note(change))  # noqa: PERF401 - the test reads it as it grows

    return changes, stop, asyncio.ensure_future(collect())


@contextlib.asynccontextmanager
async def collected(
    workspace: RemoteWorkspace,
    starts: WatchStarts,
    note: Callable[[WorkspaceChanged], Any] = lambda change: change,
    after: Callable[[], object] = lambda: None,
) -> AsyncIterator[list[Any]]:
    """The changes ``workspace``'s watch says while the block runs, each as ``note`` makes
    it (with the screen or policy then): the watch is on as the block starts, and stopped
    as it ends, ``after`` called first (a held import let go)."""
    changes, stop, task = watching(workspace, note)
    try:
        await starts.on(1, task)
        yield changes
    finally:
        after()
        stop.set()
        await asyncio.wait_for(task, 20)


def noting_beside(
    workspace: RemoteWorkspace, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[list[Path], WorkspaceChanged | None]]:
    """Each ``reload_beside`` the watcher made, once it returned: its files and change."""
    tried: list[tuple[list[Path], WorkspaceChanged | None]] = []
    reload_beside = workspace.reload_beside

    def noted(paths: list[Path]) -> WorkspaceChanged | None:
        change = reload_beside(paths)
        tried.append((list(paths), change))
        return change

    monkeypatch.setattr(workspace, "reload_beside", noted)
    return tried
