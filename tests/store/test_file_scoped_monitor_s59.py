"""A monitor opened on one flow FILE lists that file's flows, never a sibling file's.

Two flow files of one folder share its run store, which records a run's flow, not its
file. ``flowtop rdelay.py`` listed the live run of slow.py's ``slowretry`` as
``slowretry (gone)``, and `r` on it said it "is no longer in any flow file here"; with
that run live, the monitor even OPENED on it (selected while the file's import went
on), so the first `r` ran nothing. A flow the file itself lost mid-run is still listed
``(gone)`` for its live run, as in a monitor on the folder.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import fork_cli
from flowtop.engine.events import RunStarted
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.tui.run_store import RunStore
from flowtop.workspace.remote_workspace import RemoteWorkspace
from held_import import HELD_IMPORT
from pilot_kit import screen_text, wait_for

from .conftest import WAITING, env, wait_until
from .test_store_cli import runs

SIZE = (120, 30)

#: The file the monitor is opened on: its import held while ``importing`` says so.
MINE = (
    HELD_IMPORT
    + """
    from flowtop import Flow, task

    @task
    def one():
        return 1

    with Flow("mine") as flow:
        one()
"""
)


def listed(app: FlowtopApp) -> list[str]:
    """The flows the flows list lists, by name."""
    options = (app.flow_list.get_option_at_index(i) for i in range(app.flow_list.option_count))
    return [o.id[len("flow:") :] for o in options if o.id and o.id.startswith("flow:")]


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[Path]:
    """mine.py and waiting.py in one folder, with a live run of waiting.py's flow (it
    waits 30 s between retries), started from a process of its own."""
    (tmp_path / "mine.py").write_text(textwrap.dedent(MINE))
    (tmp_path / "waiting.py").write_text(textwrap.dedent(WAITING))
    owner = fork_cli.popen(
        [sys.executable, "-m", "flowtop", "run", "waiting.py", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env(),
    )
    try:
        wait_until(lambda: runs(tmp_path, "RUNNING"), "waiting's run to be live")
        yield tmp_path
    finally:
        owner.kill()
        owner.wait(timeout=20)


async def test_a_monitor_on_one_file_lists_and_selects_its_own_flows_only(folder: Path) -> None:
    (folder / "importing").write_text(".")  # mine.py's first import waits (``held_import``)
    workspace = RemoteWorkspace(folder / "mine.py")
    try:
        app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(
                pilot,
                lambda: (run := app.store.latest_for("waiting")) is not None and run.is_live,
                "the store's live run of waiting.py's flow to reach the monitor",
                20,
            )
            await pilot.pause()
            assert app.first_loading  # mine.py still imports
            assert "waiting" not in listed(app)  # old: listed, and selected
            assert app.selected_flow is None
            (folder / "importing").unlink()  # mine.py's import goes on
            await wait_for(pilot, lambda: "mine" in workspace.shapes, "mine.py to load", 20)
            await wait_for(pilot, lambda: listed(app) == ["mine"], "its flow listed")
            assert app.selected_flow == "mine"  # old: waiting, "(gone)"
            assert "(gone)" not in screen_text(app)
            app.shutdown()
    finally:
        workspace.close()


async def test_a_flow_the_file_lost_mid_run_is_still_listed_gone(folder: Path) -> None:
    """The monitor on waiting.py itself: its flow renamed while its run goes on stays
    listed, ``(gone)``, for that run; mine.py's flow is never listed."""
    workspace = RemoteWorkspace(folder / "waiting.py")
    try:
        app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(
                pilot, lambda: not app.first_loading and listed(app) == ["waiting"], "loaded", 20
            )
            await wait_for(pilot, lambda: app.store.latest_for("waiting") is not None, "its run")
            source = folder / "waiting.py"
            source.write_text(source.read_text().replace('Flow("waiting")', 'Flow("renamed")'))
            change = await asyncio.to_thread(workspace.reload_paths, [source])
            app.post_message(WorkspaceReloaded(change))
            await wait_for(
                pilot, lambda: listed(app) == ["renamed", "waiting"], "the lost flow listed"
            )
            assert "waiting (gone)" in screen_text(app)
            app.shutdown()
    finally:
        workspace.close()


class _OnFile:
    """A workspace opened on ``only`` (``OneFile``), as far as the store asks."""

    def __init__(self, only: Path) -> None:
        self.only = only


def test_before_the_file_loads_its_source_tells_its_flows(tmp_path: Path) -> None:
    """While nothing of the file has loaded (it imports, or fails to), a live run's flow
    its source names is listed (it may be the file's), a sibling's is not; once the file
    has loaded, its flows tell."""
    file = tmp_path / "mine.py"
    file.write_text(textwrap.dedent(MINE))
    store = RunStore(_OnFile(file))  # type: ignore[arg-type]  # (a stand-in: ``only``)
    for number, flow in enumerate(["mine", "waiting"], 1):
        event = RunStarted(f"r{number}", flow, number, ("t",), (1,), ("",), ts=1.0)
        store.apply_batch([event])
    assert store.without_file({}, None) == ["mine"]
    assert store.without_file({"other": None}, None) == []  # loaded: "mine" never was
    folder_store = RunStore()
    folder_store.apply_batch([RunStarted("r1", "waiting", 1, ("t",), (1,), ("",), ts=1.0)])
    assert folder_store.without_file({}, None) == ["waiting"]  # a folder's: gone
