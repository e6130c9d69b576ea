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
from pathlib import Path

import pytest
from side_host_kit import (
    BROKEN,
    ETL,
    HANG,
    QUICK,
    collected,
    loaded,
    noting_beside,
    side_folder,
    transform_policy,
    watching,
)

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace.changes import WorkspaceChanged
from waits import until

#: Short, so the test is; the other file's change must come before the hang's error.
LOAD_TIMEOUT = 6


async def test_a_file_saved_while_another_hangs_reloads_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    etl, hang = folder.etl, folder.hang
    async with loaded(folder) as workspace:
        before = transform_policy(workspace)
        assert "5×" not in before
        async with collected(workspace, folder.starts) as changes:
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
    folder = side_folder(tmp_path, monkeypatch)
    etl, slow, go = folder.etl, folder.slow, folder.go
    new = tmp_path / "new.py"
    async with (
        loaded(folder) as workspace,
        collected(workspace, folder.starts, lambda change: (change, screen(workspace))) as changes,
    ):
        folder.write_slow()
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
    folder = side_folder(tmp_path, monkeypatch, LOAD_TIMEOUT)
    etl, hang = folder.etl, folder.hang
    workspace = RemoteWorkspace(tmp_path)
    try:
        await asyncio.to_thread(workspace.load)
        reloads: list[list[Path]] = []
        reload_paths = workspace.reload_paths

        def noted(paths: list[Path]) -> WorkspaceChanged:
            reloads.append(list(paths))
            return reload_paths(paths)

        monkeypatch.setattr(workspace, "reload_paths", noted)
        changes, stop, watch = watching(workspace)
        await folder.starts.on(1, watch)
        hang.write_text(HANG)
        await until(workspace.still_importing, "hang.py's reload to start")
        etl.write_text(ETL.format(decorator="@task(max_retries=5)"))
        await until(lambda: changes, "etl.py said beside", timeout=3 * LOAD_TIMEOUT)
        assert changes[0].paths == (etl,)  # (read meanwhile: queued for the host)

        stop.set()  # the app quits (``FlowtopApp``'s order)
        workspace.stop_loading()
        await asyncio.wait_for(watch, 20)
        assert reloads == [[hang]]
        assert workspace.host_pid is None
    finally:
        workspace.close()
    assert not await asyncio.to_thread(workspace.reload_paths, [etl])  # closed: at once
    assert workspace.host_pid is None


async def test_a_file_the_held_reload_reloads_waits_for_the_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """etl.py saved with slow.py, then again while slow.py imports: not loaded beside
    (the held reload's reply, of the older etl.py, would undo it), but after the host's
    reply: its retries go 2× then 5× once each, not 5×, 2×, 5× in three toasts."""
    folder = side_folder(tmp_path, monkeypatch)
    etl, slow, go, starts = folder.etl, folder.slow, folder.go, folder.starts
    async with loaded(folder) as workspace:
        tried = noting_beside(workspace, monkeypatch)
        # Saved before the watch is on: its catch-up reloads both in one request.
        etl.write_text(ETL.format(decorator="@task(max_retries=2)"))
        folder.write_slow()
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
    folder = side_folder(tmp_path, monkeypatch)
    etl, slow, go, notes = folder.etl, folder.slow, folder.go, folder.notes
    async with loaded(folder) as workspace:
        tried = noting_beside(workspace, monkeypatch)
        async with collected(workspace, folder.starts, after=go.touch) as changes:
            folder.write_slow()
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
