"""Reload beside, fourth look: a save after one said beside, a retry edit racing a reload,
and the event loop's calls while a side load reads files or its side host stops.

etl.py said beside a slow reload, then saved again (unchanged) just as that reload ended:
the host's reload of it said nothing (what was said beside was counted per file, not per
save). A retry-editor save applied its reply after letting go of the host, over a newer
reload's. The watch's calls on the event loop waited for a side load reading files
(``WorkspaceChanged.noted``) and for a side host to stop.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from side_host_kit import ETL, QUICK, collected, loaded, side_folder, transform_policy

from flowtop.workspace import RemoteWorkspace
from flowtop.workspace import reload_beside as reload_beside_module
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.helper_process import HelperGone, HelperProcess
from flowtop.workspace.reload_beside import Beside
from waits import until, wait_until


async def test_a_save_after_one_said_beside_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """etl.py said beside slow.py's reload, then saved again unchanged; that save is not
    loaded beside (slow.py's reload ended first): the host's reload of etl.py says it,
    as a save of etl.py alone does."""
    folder = side_folder(tmp_path, monkeypatch)
    etl, slow, go = folder.etl, folder.slow, folder.go
    after = tmp_path / "z_after.py"
    async with loaded(folder) as workspace:
        reloaded: list[list[Path]] = []
        held_over, touch_tried = threading.Event(), threading.Event()
        reload_paths, reload_beside = workspace.reload_paths, workspace.reload_beside

        def noted_reload(paths: list[Path]) -> WorkspaceChanged:
            change = reload_paths(paths)
            reloaded.append(list(paths))
            held_over.set()
            return change

        def late_beside(paths: list[Path]) -> WorkspaceChanged | None:
            if not touch_tried.is_set() and any(etl in c.paths for c in changes):
                touch_tried.set()  # the second save: tried once slow.py's reload is over
                held_over.wait(60)  # (a guard: go.touch ends it)
            return reload_beside(paths)

        monkeypatch.setattr(workspace, "reload_paths", noted_reload)
        monkeypatch.setattr(workspace, "reload_beside", late_beside)
        async with collected(workspace, folder.starts, after=go.touch) as changes:
            folder.write_slow()
            await until(workspace.still_importing, "slow.py's reload to start")
            saved = ETL.format(decorator="@task(max_retries=5)")
            etl.write_text(saved)
            await until(lambda: changes, "etl.py said beside", timeout=30)
            assert changes[0].paths == (etl,) and changes[0].flows == ("etl",)
            etl.write_text(saved)  # saved again, unchanged
            await until(touch_tried.is_set, "the second save tried beside", timeout=30)

            go.touch()
            await until(lambda: [etl] in reloaded, "the host's reload of etl.py", timeout=60)
            after.write_text(QUICK.replace('"after"', '"z"'))
            await until(lambda: any(after in c.paths for c in changes), "z_after.py")
            assert [c.paths for c in changes] == [(etl,), (slow,), (etl,), (after,)]
            assert changes[2].flows == ("etl",)  # (no: nothing said of the second save)
            assert "5×" in transform_policy(workspace)


def test_a_retry_edit_does_not_undo_a_reload_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A retry-editor save has its reply; a reload of a new file asks the host next:
    the edit's reply (without the new file's flow) is not applied over the reload's."""
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    new = tmp_path / "new.py"
    at_apply, go_on, reloaded = threading.Event(), threading.Event(), threading.Event()

    class NotingLock:
        """The workspace's lock, noting a wait for it."""

        def __init__(self) -> None:
            self.lock, self.waited = threading.Lock(), threading.Event()

        def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
            if self.lock.acquire(blocking=False):
                return True
            self.waited.set()
            return self.lock.acquire(blocking, timeout)

        def release(self) -> None:
            self.lock.release()

        def __enter__(self) -> bool:
            return self.acquire()

        def __exit__(self, *exc: object) -> None:
            self.release()

    with RemoteWorkspace(tmp_path) as workspace:
        workspace.load()
        lock = NotingLock()
        monkeypatch.setattr(workspace, "_lock", lock)
        real_apply = workspace._apply

        def gated_apply(reply: dict[str, Any], beside: Any = ()) -> WorkspaceChanged:
            if threading.current_thread() is editing:
                at_apply.set()
                go_on.wait(60)  # (a guard: the test sets it)
            return real_apply(reply, beside)

        monkeypatch.setattr(workspace, "_apply", gated_apply)
        editing = threading.Thread(
            target=lambda: workspace.set_override("etl", "extract", max_retries=3), daemon=True
        )
        reloading = threading.Thread(
            target=lambda: (workspace.reload_paths([new]), reloaded.set()), daemon=True
        )
        try:
            editing.start()
            wait_until(at_apply.is_set, "the edit's reply")
            new.write_text(QUICK)
            reloading.start()
            wait_until(lambda: reloaded.is_set() or lock.waited.is_set(), "the reload")
        finally:
            go_on.set()
        wait_until(lambda: not editing.is_alive() and not reloading.is_alive(), "both")
        assert "after" in workspace.flow_files  # the reload's, not undone by the edit
        assert workspace.override_for("etl", "extract") == {"max_retries": 3}


def test_the_loops_calls_wait_for_no_side_load_reading_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A side load's change is noted (its files read and parsed): meanwhile the watch's
    calls on the event loop (a side load's ticket, a save read) answer at once."""
    etl = tmp_path / "etl.py"
    etl.write_text(ETL.format(decorator="@task"))
    reached, release = threading.Event(), threading.Event()
    real_noted = WorkspaceChanged.noted

    def gated(change: WorkspaceChanged, loaded: Any) -> WorkspaceChanged:
        reached.set()
        release.wait(60)  # (a guard: the test sets it)
        return real_noted(change, loaded)

    monkeypatch.setattr(WorkspaceChanged, "noted", gated)
    with RemoteWorkspace(tmp_path) as workspace:
        workspace._beside.open([tmp_path / "slow.py"])  # (a reload holds the host)
        said: list[WorkspaceChanged | None] = []
        loading = threading.Thread(
            target=lambda: said.append(workspace.reload_beside([etl])), daemon=True
        )
        answered = threading.Event()

        def on_the_loop() -> None:
            workspace.beside_call([etl])
            workspace.saved_again([etl])
            answered.set()

        try:
            loading.start()
            wait_until(reached.is_set, "the side load's change noted", timeout=30)
            threading.Thread(target=on_the_loop, daemon=True).start()
            wait_until(answered.is_set, "the loop's calls, while the files are read")
        finally:
            release.set()
        wait_until(lambda: said, "the side load's end", timeout=30)
        assert said[0] is not None and said[0].paths == (etl,)


def test_a_watchs_end_does_not_wait_for_its_side_host_to_stop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``forget_beside`` (the event loop's, as a watch ends) stops a side host still
    loading without waiting for its ask to end (which it does once the process dies)."""
    asked, go_on = threading.Event(), threading.Event()

    class Held(HelperProcess):
        def ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
            with self._lock:  # (as a real ask: a stop waits for it)
                asked.set()
                go_on.wait(60)  # (a guard: the test sets it)
            raise HelperGone("stopped")

    monkeypatch.setattr(reload_beside_module, "HelperProcess", Held)
    beside = Beside(str(tmp_path))
    beside.open([tmp_path / "slow.py"])
    said: list[dict[str, Any] | None] = []
    loading = threading.Thread(
        target=lambda: said.append(beside.load([tmp_path / "etl.py"], 30.0, beside.ticket())),
        daemon=True,
    )
    cleared = threading.Event()
    try:
        loading.start()
        wait_until(asked.is_set, "the side load to start")
        threading.Thread(target=lambda: (beside.clear(), cleared.set()), daemon=True).start()
        wait_until(cleared.is_set, "the forget, while the side host's ask goes on")
    finally:
        go_on.set()
    wait_until(lambda: said, "the side load's end")
    assert said == [None]
