"""A flow file that hangs at import holds back no other file's reload.

In the monitor, ``touch hang.py`` (a file that sleeps at import), then a second later a
save of ``etl.py`` (``@task`` made ``@task(max_retries=5)``): the policy column kept the
old retries until ``hang.py``'s ``load_timeout`` was out, and ``etl.py``'s toast came
with ``hang.py``'s error. The watcher read no batch while a reload ran, and the flow host
imports one file at a time. Now a flow file saved while a reload has gone on for a
second is loaded beside it (``reload_beside``) and shown at once; the hung file keeps its
row and then its timeout error, and the host's own reload of the other file afterwards
says nothing again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.changes import WorkspaceChanged
from waits import WatchStarts, until

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

#: Short, so the test is; the other file's change must come before the hang's error.
LOAD_TIMEOUT = 6


def transform_policy(workspace: RemoteWorkspace) -> str:
    shape = workspace.shapes.get("etl")
    return "" if shape is None else shape.nodes["transform"].policy.summary


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
    stop = asyncio.Event()
    changes: list[Any] = []

    async def collect() -> None:
        async for change in workspace.watch(stop):
            changes.append(note(change))  # noqa: PERF401 - the test reads it as it grows

    watching = asyncio.ensure_future(collect())
    try:
        await starts.on(1, watching)
        yield changes
    finally:
        after()
        stop.set()
        await asyncio.wait_for(watching, 20)


async def test_a_file_saved_while_another_hangs_reloads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flowtop.toml").write_text(f"[defaults]\nload_timeout = {LOAD_TIMEOUT}\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    hang = tmp_path / "hang.py"
    starts = WatchStarts(monkeypatch)
    with RemoteWorkspace(tmp_path) as workspace:
        await asyncio.to_thread(workspace.load)
        before = transform_policy(workspace)
        assert "5×" not in before
        async with collected(workspace, starts) as changes:
            hang.write_text(HANG)
            importing = await until(workspace.still_importing, "hang.py's reload to start")
            assert importing[0] == hang
            etl.write_text(ETL.format(decorator="@task(max_retries=5)"))

            await until(lambda: changes, "a reload said", timeout=3 * LOAD_TIMEOUT)
            first = changes[0]
            assert first.paths == (etl,)  # etl.py's, not held back by hang.py's import
            assert first.flows == ("etl",) and not first.errors
            assert "5×" in transform_policy(workspace)
            assert hang not in workspace.errors  # its import still goes on, and says so
            still = workspace.still_importing()
            assert still is not None and still[0] == hang

            await until(lambda: len(changes) > 1, "hang.py's error", timeout=3 * LOAD_TIMEOUT)
            said = changes[1]
            assert said.paths == (hang,)
            assert f"import did not finish in {LOAD_TIMEOUT} s" in str(said.errors[0])
            assert "import did not finish" in str(workspace.errors[hang])

            # The host reloads etl.py too once it is free, and says nothing new of it: the
            # next change is the next file saved.
            after = tmp_path / "z_after.py"
            after.write_text(QUICK)
            await until(lambda: any(after in c.paths for c in changes), "z_after.py loaded")
            assert [c.paths for c in changes[2:] if c] == [(after,)]
            assert "5×" in transform_policy(workspace)


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


def screen(workspace: RemoteWorkspace) -> tuple[list[str], list[str], list[str]]:
    """What the monitor shows: the flows listed, those with a shape, the broken files."""
    return (
        sorted(workspace.flow_files),
        sorted(workspace.shapes),
        sorted(path.name for path in workspace.errors),
    )


async def test_files_loaded_beside_a_slow_reload_stay_as_shown_when_it_finishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken save keeps its last good flows beside, as in the host; the slow file's
    reply (the host had the old files) undoes nothing, and nothing is said twice."""
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 30\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    new = tmp_path / "new.py"
    slow = tmp_path / "slow.py"
    go = tmp_path / "go.flag"
    starts = WatchStarts(monkeypatch)
    with RemoteWorkspace(tmp_path) as workspace:
        await asyncio.to_thread(workspace.load)
        async with collected(
            workspace, starts, lambda change: (change, screen(workspace))
        ) as changes:
            slow.write_text(SLOW.format(go=str(go)))
            await until(workspace.still_importing, "slow.py's reload to start")
            etl.write_text(BROKEN)
            new.write_text(QUICK)

            def said_beside() -> bool:
                return {p for c, _ in changes for p in c.paths} >= {etl, new}

            await until(said_beside, "etl.py and new.py said beside", timeout=30)
            shown = (["after", "etl"], ["after", "etl"], ["etl.py"])
            assert changes[-1][1] == shown  # etl keeps its last good flow, with its error
            broken = next(c for c, _ in changes if etl in c.paths)
            assert not broken.removed and "boom" in str(broken.errors[0])
            assert workspace.still_importing() is not None  # slow.py's reload goes on
            said = len(changes)

            go.touch()
            await until(lambda: len(changes) > said, "slow.py's reload", timeout=30)
            change, seen = changes[said]
            assert change.paths == (slow,) and change.flows == ("slow",)
            with_slow = (["after", "etl", "slow"], ["after", "etl", "slow"], ["etl.py"])
            assert seen == with_slow  # nothing loaded beside undone

            # The host reloads etl.py and new.py next, and says nothing new of them.
            after = tmp_path / "z_after.py"
            after.write_text(ETL.format(decorator="@task").replace('"etl"', '"z"'))
            await until(lambda: any(after in c.paths for c, _ in changes), "z_after.py")
            assert [c.paths for c, _ in changes[said + 1 :] if c] == [(after,)]
            assert screen(workspace)[1] == ["after", "etl", "slow", "z"]


async def test_a_save_read_during_a_reload_is_not_reloaded_after_quit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quitting while a file hangs: the saves read meanwhile start no flow host."""
    (tmp_path / "flowtop.toml").write_text(f"[defaults]\nload_timeout = {LOAD_TIMEOUT}\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    hang = tmp_path / "hang.py"
    starts = WatchStarts(monkeypatch)
    workspace = RemoteWorkspace(tmp_path)
    try:
        await asyncio.to_thread(workspace.load)
        reloads: list[list[Path]] = []
        reload_paths = workspace.reload_paths

        def noted(paths: list[Path]) -> WorkspaceChanged:
            reloads.append(list(paths))
            return reload_paths(paths)

        monkeypatch.setattr(workspace, "reload_paths", noted)
        stop = asyncio.Event()
        changes: list[WorkspaceChanged] = []

        async def collect() -> None:
            async for change in workspace.watch(stop):
                changes.append(change)  # noqa: PERF401 - the test reads it as it grows

        watching = asyncio.ensure_future(collect())
        await starts.on(1, watching)
        hang.write_text(HANG)
        await until(workspace.still_importing, "hang.py's reload to start")
        etl.write_text(ETL.format(decorator="@task(max_retries=5)"))
        await until(lambda: changes, "etl.py said beside", timeout=3 * LOAD_TIMEOUT)
        assert changes[0].paths == (etl,)  # (read meanwhile: queued for the host)

        stop.set()  # the app quits (``FlowtopApp``'s order)
        workspace.stop_loading()
        await asyncio.wait_for(watching, 20)
        assert reloads == [[hang]]
        assert workspace.host_pid is None
    finally:
        workspace.close()
    assert not await asyncio.to_thread(workspace.reload_paths, [etl])  # closed: at once
    assert workspace.host_pid is None


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


async def test_a_file_the_held_reload_reloads_waits_for_the_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """etl.py saved with slow.py, then again while slow.py imports: not loaded beside
    (the held reload's reply, of the older etl.py, would undo it), but after the host's
    reply: its retries go 2× then 5× once each, not 5×, 2×, 5× in three toasts."""
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 30\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    slow = tmp_path / "slow.py"
    go = tmp_path / "go.flag"
    starts = WatchStarts(monkeypatch)
    with RemoteWorkspace(tmp_path) as workspace:
        await asyncio.to_thread(workspace.load)
        tried = noting_beside(workspace, monkeypatch)
        # Saved before the watch is on: its catch-up reloads both in one request.
        etl.write_text(ETL.format(decorator="@task(max_retries=2)"))
        slow.write_text(SLOW.format(go=str(go)))
        async with collected(
            workspace, starts, lambda change: (change, transform_policy(workspace)), after=go.touch
        ) as changes:
            assert sorted(starts.missed[0]) == [etl, slow]
            await until(workspace.still_importing, "slow.py's reload to start")
            etl.write_text(ETL.format(decorator="@task(max_retries=5)"))
            await until(lambda: tried, "etl.py tried beside", timeout=30)
            assert tried == [([etl], None)]  # it waits for the host

            go.touch()
            await until(lambda: len(changes) > 1, "the host's reloads", timeout=60)
            assert [(c.paths, c.flows) for c, _ in changes] == [
                ((etl, slow), ("etl", "slow")),
                ((etl,), ("etl",)),
            ]
            assert ["2×" in policy for _, policy in changes] == [True, False]
            assert "5×" in changes[1][1]


async def test_a_flow_said_beside_is_not_said_again_with_another_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """etl.py said beside a slow reload, then notes.py (no flows) saved: the host's
    reload of both says nothing again of etl (one toast, one auto-rerun)."""
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 30\n")
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    slow = tmp_path / "slow.py"
    go = tmp_path / "go.flag"
    notes = tmp_path / "notes.py"
    starts = WatchStarts(monkeypatch)
    with RemoteWorkspace(tmp_path) as workspace:
        await asyncio.to_thread(workspace.load)
        tried = noting_beside(workspace, monkeypatch)
        async with collected(workspace, starts, after=go.touch) as changes:
            slow.write_text(SLOW.format(go=str(go)))
            await until(workspace.still_importing, "slow.py's reload to start")
            etl.write_text(ETL.format(decorator="@task(max_retries=5)"))
            await until(lambda: changes, "etl.py said beside", timeout=30)
            assert changes[0].paths == (etl,) and changes[0].flows == ("etl",)
            notes.write_text("X = 1\n")
            await until(lambda: any(notes in p for p, _ in tried), "notes.py tried beside")

            go.touch()
            await until(lambda: any(notes in c.paths for c in changes), "notes.py", timeout=60)
            assert [c.paths for c in changes] == [(etl,), (slow,), (notes,)]
            again = changes[2]
            assert not again.flows and not again.modules and not again.errors
            assert "5×" in transform_policy(workspace)
