"""Reload beside, third look: what the host's reply says after a side load, a side host
started as the held reload ends, and a side load still going on as its watch ends.

etl.py said beside a slow reload (its toast), then the host's reload of etl.py with
notes.py toasted ``No flow changed (etl.py, notes.py)`` (and ``Still failing: etl.py``
when it was said broken): etl.py is said once now. A side load whose thread still ran
as its watch was cancelled showed and noted etl.py after the watch forgot what was said
beside; its ticket, taken as the watch decided on it, is stale now.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from pathlib import Path
from typing import Any

import pytest
from side_host_kit import (
    BROKEN,
    ETL,
    HANG,
    collected,
    loaded,
    noting_beside,
    side_folder,
    transform_policy,
    watching,
)

from flowtop.tui.reload_actions import reload_said
from flowtop.workspace import RemoteWorkspace, remote_workspace
from flowtop.workspace import reload_beside as reload_beside_module
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.helper_process import HelperProcess
from flowtop.workspace.load_error import display_path
from flowtop.workspace.reload_beside import Beside
from waits import until, wait_until


async def test_the_hosts_reply_says_nothing_again_of_a_file_said_beside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """etl.py saved broken beside a slow reload, notes.py (no flows) saved too: the host's
    reload of both says notes.py alone, as a save of it says (no ``etl.py`` in ``No flow
    changed``, no ``Still failing: etl.py`` after its error's toast)."""
    folder = side_folder(tmp_path, monkeypatch)
    etl, slow, go, notes = folder.etl, folder.slow, folder.go, folder.notes
    async with loaded(folder) as workspace:
        tried = noting_beside(workspace, monkeypatch)
        async with collected(
            workspace, folder.starts, lambda c: (c, dict(workspace.errors)), after=go.touch
        ) as changes:
            folder.write_slow()
            await until(workspace.still_importing, "slow.py's reload to start")
            etl.write_text(BROKEN)
            await until(lambda: changes, "etl.py said beside", timeout=30)
            assert changes[0][0].paths == (etl,) and "boom" in str(changes[0][0].errors[0])
            notes.write_text("X = 1\n")
            await until(lambda: any(notes in p for p, _ in tried), "notes.py tried beside")

            go.touch()
            await until(lambda: any(notes in c.paths for c, _ in changes), "notes.py", timeout=60)
            assert [c.paths for c, _ in changes] == [(etl,), (slow,), (notes,)]
            again, errors = changes[2]
            assert not again and again.summary() == f"No flow changed ({display_path(notes)})"
            listed = {str(path): error for path, error in errors.items()}
            said, failing = reload_said(again, listed, listed)
            assert said == again.summary() and not failing  # (not "Still failing: etl.py")


async def test_a_side_load_going_on_as_its_watch_ends_is_not_applied_nor_noted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The side host said etl.py's new version; before its thread applied it, the watch
    was cancelled (it forgets what was said beside): etl.py is neither shown nor noted."""
    folder = side_folder(tmp_path, monkeypatch)
    etl, go = folder.etl, folder.go
    reached, release = threading.Event(), threading.Event()
    real_state = remote_workspace.beside_state

    def gated(*args: Any) -> Any:
        """The side host's reply is in: held here until the watch has ended."""
        reached.set()
        release.wait(60)  # (a guard: the test sets it)
        return real_state(*args)

    monkeypatch.setattr(remote_workspace, "beside_state", gated)
    with RemoteWorkspace(tmp_path) as workspace:
        try:
            await asyncio.to_thread(workspace.load)
            tried = noting_beside(workspace, monkeypatch)
            changes, _, watch = watching(workspace)
            await folder.starts.on(1, watch)
            folder.write_slow()
            await until(workspace.still_importing, "slow.py's reload to start")
            etl.write_text(ETL.format(decorator="@task(max_retries=5)"))
            await until(reached.is_set, "the side host's reply", timeout=30)

            watch.cancel()  # the watch ends (the app's worker cancelled)
            with contextlib.suppress(asyncio.CancelledError):
                await watch
            release.set()
            await until(lambda: tried, "the side load's end", timeout=30)
            assert tried == [([etl], None)]
            assert "5×" not in transform_policy(workspace)  # not shown,
            assert not workspace._beside.pending(())  # nor noted
            assert changes == []
        finally:
            release.set()
            go.touch()


def test_a_side_host_started_as_the_held_reload_ends_stops_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``shut`` comes between a side load's start and its process's: that process, which
    imports a file that hangs, is stopped at once, not at its load timeout. The guard is
    ``Beside._still`` (516aee58, untested till this): its news finds it shut. Without it
    (``HelperProcess.close`` ran before the process started, so kills none) this test
    times out; it passes on the code before 0a715155, which had the guard already."""
    entered, go_on = threading.Event(), threading.Event()
    started: list[HelperProcess] = []

    class Gated(HelperProcess):
        def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
            started.append(self)
            entered.set()
            go_on.wait(60)  # (a guard: the test sets it)
            return super().ask(request, timeout)

    monkeypatch.setattr(reload_beside_module, "HelperProcess", Gated)
    (tmp_path / "flowtop.toml").write_text("[defaults]\nload_timeout = 3600\n")
    hang = tmp_path / "hang.py"
    hang.write_text(HANG)
    beside = Beside(str(tmp_path))
    beside.open([tmp_path / "slow.py"])
    said: list[dict[str, Any] | None] = []
    loading = threading.Thread(
        target=lambda: said.append(beside.load([hang], 3600.0, beside.ticket())), daemon=True
    )
    loading.start()
    try:
        wait_until(entered.is_set, "the side load to start")
        beside.shut()  # the held reload ended
        go_on.set()
        wait_until(lambda: said, "the side load to end", timeout=60)
        assert said == [None]
        assert started[0].pid is None  # no side host left running
    finally:
        go_on.set()
        for side in started:
            side.close()


def test_a_side_load_asked_for_before_a_forget_is_not_started(tmp_path: Path) -> None:
    """A side load's ticket taken before its watch forgot what was said beside (its
    thread started late): no side host starts for it, nor is it applied."""
    beside = Beside(str(tmp_path))
    beside.open([tmp_path / "slow.py"])
    ticket = beside.ticket()
    beside.clear()
    etl = tmp_path / "etl.py"
    assert beside.load([etl], 30.0, ticket) is None
    applied = beside.applied(WorkspaceChanged, [etl], lambda file: ((), None), ticket)
    assert applied is None and not beside.pending(())
    fresh = beside.applied(WorkspaceChanged, [etl], lambda file: ((), None), beside.ticket())
    assert fresh is not None and beside.pending(()) == {etl}  # (a new watch's: taken)
