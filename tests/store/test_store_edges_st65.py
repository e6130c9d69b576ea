"""Three edges of the run store: a refused rerun, a launch after the folder moved, and a
flow file deleted during an in-process workspace's first import.

1. ``f`` in a monitor after ``rm -rf .flowtop``: the rerun was refused (its source went
   with the store), but the client had made a new empty store at the path first.
2. A run launched just before its whole workspace folder moved (``mv flows flows-old``):
   its process found no flow file and exited 2 before opening a store, and the run its
   launcher had reserved read INTERRUPTED, "its process … is gone", not why.
3. A flow file deleted while an in-process ``Workspace``'s first load imported it stayed
   listed for good: its first watch stamped the files once the load was in.
4. The same with parameters (their file read at the old place: exit 1, no reason, the
   file left), with a folder made again at the old place, or a linked folder re-pointed
   or unlinked: INTERRUPTED with no reason, or "moved to" a folder that never moved.
5. A rerun whose store went between the launcher's look and its reservation: a new store.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flowtop.engine.events import RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.looks import run_error_text
from flowtop.workspace import Workspace, launcher, run_numbers
from flowtop.workspace.history import History
from flowtop.workspace.private import private_folder
from flowtop.workspace.run_numbers import SourceGone
from flowtop.workspace.store_client import StoreClient
from flowtop.workspace.store_reader import StoreReader

FLOW = """
    from flowtop import Flow, task

    @task
    def one() -> int:
        return 1

    with Flow("quick") as flow:
        one()
"""


def _failed_run(db: Path) -> str:
    """A failed run of ``quick`` recorded in the store ``db``: its id."""
    run_id = "0000000000f1"
    history = History(db)
    try:
        history.sink(
            [
                RunStarted(run_id, "quick", 1, ("one",), (1,), ("",), None, 1000.0),
                RunFinished(run_id, "quick", 1, StateType.FAILED, {}, 0.1, 1001.0),
            ]
        )
        assert history.flush(10)
    finally:
        history.close()
    return run_id


def test_a_rerun_refused_after_the_store_was_deleted_makes_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "quick.py").write_text(textwrap.dedent(FLOW).lstrip())
    db = tmp_path / ".flowtop" / "history.db"
    source = _failed_run(db)
    client = StoreClient(db, lambda events: None)
    client.open()
    try:
        shutil.rmtree(tmp_path / ".flowtop")
        with pytest.raises(SourceGone):
            client.start(tmp_path / "quick.py", "quick", rerun_of=source)
        assert not (tmp_path / ".flowtop").exists()  # the folder left as it was
        assert client.gone_with_store(source) == ".flowtop/history.db was deleted"
        assert client.started == {}
    finally:
        client.close()


def test_a_launcher_refuses_a_rerun_where_no_store_is(tmp_path: Path) -> None:
    """A store deleted between a client's look and the launch: its log folder, and a run
    process that would fail at once ("no run with id …"), were made for the refusal."""
    (tmp_path / "quick.py").write_text(textwrap.dedent(FLOW).lstrip())
    state = tmp_path / ".flowtop"
    with pytest.raises(SourceGone):
        launcher.launch(
            tmp_path / "quick.py", "quick", state_dir=state, rerun_of="0" * 12, exclusive=True
        )
    assert not state.exists()


def test_a_monitor_rerun_refused_says_the_store_went(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``f`` in the monitor: "went with its run store (… was deleted since)", every time
    (its own try made a store again, and it read "replaced" as often)."""
    from flowtop.tui.model import RunModel
    from flowtop.tui.run_control import RunControlError, StoreControl

    monkeypatch.chdir(tmp_path)
    (tmp_path / "quick.py").write_text(textwrap.dedent(FLOW).lstrip())
    source = _failed_run(tmp_path / ".flowtop" / "history.db")
    workspace = Workspace(tmp_path)
    workspace.load()
    control = StoreControl(workspace, lambda events: None)
    try:
        shutil.rmtree(tmp_path / ".flowtop")
        shown = RunModel.from_started(
            RunStarted(source, "quick", 1, ("one",), (1,), ("",), None, 1000.0)
        )
        shown.apply(RunFinished(source, "quick", 1, StateType.FAILED, {}, 0.1, 1001.0))
        for _ in range(2):
            with pytest.raises(RunControlError) as refused:
                control.rerun_failed(shown)
            said = refused.value.say(lambda action: "r")
            assert said == (
                "Run #1 of quick went with its run store (.flowtop/history.db was deleted "
                "since): press r to run the flow"
            )
            assert not (tmp_path / ".flowtop").exists()
    finally:
        control.close(cancel=False)
        workspace.close()


#: Runs its arguments as a command once the file ``sys.argv[1]`` is gone: the run process
#: held before it opens its path, as long as the test takes to move its folder.
HELD_START = """
import os, sys, time
gate = sys.argv[1]
until = time.monotonic() + 60  # a test that failed midway lets go anyway
while os.path.exists(gate) and time.monotonic() < until:
    time.sleep(0.01)
os.execv(sys.argv[2], sys.argv[2:])
"""


def test_a_run_launched_as_its_folder_moved_ends_failed_saying_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "flows"
    launched, gate = _held_launch(tmp_path, monkeypatch, folder, None)
    assert launched.process is not None
    folder.rename(tmp_path / "flows-old")  # before its process opened the flow file
    gate.unlink()
    assert launched.process.wait(timeout=60) == 2
    moved = tmp_path / "flows-old" / ".flowtop"
    (run,) = StoreReader(moved / "history.db").runs()
    assert (run.run_id, run.state) == (launched.run_id, "FAILED")
    assert run.error is not None
    said = run_error_text(run.error["type"], run.error["message"])
    assert said == (
        "did not start: flows/quick.py: no such file or folder (the workspace folder is no "
        f"longer at {folder}; its run store is now at {moved})"
    )
    assert not (moved / "logs" / f"{launched.run_id}.log").exists()  # the store says why
    assert not folder.exists()  # nothing made again at the old place


def _held_launch(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    parameters: dict[str, int] | None,
) -> tuple[launcher.Launched, Path]:
    """``quick`` launched from ``folder`` (reserved in its store), its process held until
    the returned gate file is deleted."""
    monkeypatch.chdir(tmp_path)
    gate = tmp_path / "gate"
    gate.write_text("")
    real = launcher.python_command
    monkeypatch.setattr(
        launcher,
        "python_command",
        lambda *args: [sys.executable, "-c", HELD_START, str(gate), *real(*args)],
    )
    state = private_folder(folder / ".flowtop")
    (folder / "quick.py").write_text(textwrap.dedent(PARAMETERED).lstrip())
    History(state / "history.db").close()
    quick = folder / "quick.py"
    launched = launcher.launch(quick, "quick", state_dir=state, parameters=parameters)
    assert launched.number == 1 and launched.process is not None
    return launched, gate


PARAMETERED = """
    from flowtop import Flow, task

    @task
    def one(x: int = 0) -> int:
        return x

    with Flow("quick") as flow:
        one()
"""


@pytest.mark.parametrize(
    ("how", "parameters"),
    [
        ("moved", {"x": 1}),
        ("moved, made again", None),
        ("moved, made again", {"x": 1}),
        ("link re-pointed", None),
        ("link removed", {"x": 1}),
    ],
)
def test_a_run_launched_as_its_folder_went_ends_failed_saying_where_its_store_is(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str, parameters: dict[str, int] | None
) -> None:
    folder, real = tmp_path / "flows", tmp_path / "flows-old"
    if how.startswith("link"):
        folder, real = tmp_path / "current", tmp_path / "release-1"
        real.mkdir()
        folder.symlink_to(real.name)
    launched, gate = _held_launch(tmp_path, monkeypatch, folder, parameters)
    assert launched.process is not None
    if how.startswith("moved"):
        folder.rename(real)
    else:
        folder.unlink()
    if how == "moved, made again":
        folder.mkdir()
    elif how == "link re-pointed":
        (tmp_path / "release-2").mkdir()
        folder.symlink_to("release-2")
    gate.unlink()
    assert launched.process.wait(timeout=60) == 2
    state = real / ".flowtop"
    (run,) = StoreReader(state / "history.db").runs()
    assert (run.run_id, run.state) == (launched.run_id, "FAILED")
    assert run.error is not None
    assert run_error_text(run.error["type"], run.error["message"]) == (
        f"did not start: {folder.name}/quick.py: no such file or folder (the workspace "
        f"folder is no longer at {folder}; its run store is now at {state})"
    )
    assert sorted(os.listdir(state / "logs")) == []  # its log and parameters file gone
    assert not (folder / ".flowtop").exists()  # nothing made at the old place


def test_a_rerun_whose_store_goes_as_it_is_reserved_makes_no_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``rm -rf .flowtop`` between the launcher's look and ``reserve_rerun``'s open."""
    (tmp_path / "quick.py").write_text(textwrap.dedent(FLOW).lstrip())
    state = tmp_path / ".flowtop"
    source = _failed_run(state / "history.db")
    real = run_numbers.connect

    def deleted_first(path: Path, **options: Any) -> sqlite3.Connection:
        shutil.rmtree(state, ignore_errors=True)
        return real(path, **options)

    monkeypatch.setattr(run_numbers, "connect", deleted_first)
    with pytest.raises(SourceGone):
        launcher.launch(
            tmp_path / "quick.py", "quick", state_dir=state, rerun_of=source, exclusive=True
        )
    assert not state.exists()
