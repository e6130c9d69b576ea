"""Auto-rerun (`a`) sees every settings change a rerun would run with, exactly.

It told "the failed run ran with other settings" by the table's rounded summaries, so a
timeout of 30 saved as 30.4 (both ``timeout 30s``) reran nothing. The flow host sent the
monitor only some settings, so a change of ``[defaults] max_result_bytes`` was never
seen. And the monitor read ``flowtop.toml`` on its UI thread at each settings save, for
the ``[variables]`` and ``[concurrency]`` the host had read already.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flow_texts import SINK as FAILING
from flowtop.engine.states import StateType
from flowtop.tui import auto_rerun
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.workspace import RemoteWorkspace
from pilot_kit import wait_for

from .conftest import Calls, FakeWorkspace, hosted_folder, run_demo
from .test_auto_rerun_s56b import SIZE, recorded, settings_saved


async def test_a_change_the_summary_rounds_away_reruns_the_failed_tasks(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace.overrides[("demo", "broken")] = {"timeout": 30}
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        assert app.table.run.rows["broken"].policy.endswith("timeout 30s")
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)
        workspace.overrides[("demo", "broken")] = {"timeout": 30.4}  # still `timeout 30s`
        await settings_saved(pilot, app, workspace)
        assert reruns == ["demo"]  # old: [] (the summaries read the same)
        await wait_for(pilot, lambda: calls.counts["broken"] == 2, "the rerun")


async def test_settings_put_back_as_the_run_had_them_rerun_nothing(
    workspace: FakeWorkspace, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changed while auto-rerun was off, then put back with it on: the failed run ran
    with the values in force again, though the save before changed them."""
    workspace.overrides[("demo", "broken")] = {"timeout": 30}
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await run_demo(pilot, app)
        workspace.overrides[("demo", "broken")] = {"timeout": 30.4}
        await settings_saved(pilot, app, workspace)
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)
        workspace.overrides[("demo", "broken")] = {"timeout": 30}
        await settings_saved(pilot, app, workspace)
        assert reruns == []
        workspace.overrides[("demo", "broken")] = {"timeout": 30.2}
        await settings_saved(pilot, app, workspace)
        assert reruns == ["demo"]


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    """A folder of one flow whose task fails, in a flow host of its own."""
    settings = '[defaults]\nmax_result_bytes = 1000000\n\n[variables]\nregion = "eu"\n'
    with hosted_folder(tmp_path, {"sink.py": FAILING, "flowtop.toml": settings}) as workspace:
        yield workspace


async def failed_with_auto_rerun(
    pilot: Any, app: FlowtopApp, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    """`r` until the run fails, then `a`; the flows auto-rerun is asked to rerun."""
    await wait_for(pilot, lambda: app.selected_flow == "sink", "the flow")
    await pilot.press("r")
    await wait_for(
        pilot,
        lambda: (run := app.store.latest_for("sink")) is not None and run.state is StateType.FAILED,
        "the run to fail",
    )
    await pilot.press("a")
    reruns: list[str] = []
    monkeypatch.setattr(app, "_auto_rerun", reruns.append)
    return reruns


async def saved(pilot: Any, app: FlowtopApp, workspace: RemoteWorkspace, text: str) -> None:
    """``flowtop.toml`` saved as ``text``, and the watcher's reload of it heard."""
    path = workspace.root / "flowtop.toml"
    path.write_text(text, encoding="utf-8")
    change = await asyncio.to_thread(workspace.reload_paths, [path])
    assert change.settings_changed
    app.post_message(WorkspaceReloaded(change))
    await pilot.pause()


async def test_a_result_size_saved_in_the_flow_hosts_settings_reruns_the_flow(
    hosted: RemoteWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        reruns = await failed_with_auto_rerun(pilot, app, monkeypatch)
        bigger = '[defaults]\nmax_result_bytes = 2000000\n\n[variables]\nregion = "eu"\n'
        await saved(pilot, app, hosted, bigger)
        await wait_for(pilot, lambda: reruns == ["sink"], "the rerun")  # old: never
        assert hosted.settings.max_result_bytes == 2000000
        app.shutdown()


async def test_the_run_tables_come_from_the_flow_host_not_a_read_on_the_ui_thread(
    hosted: RemoteWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    read_here: list[str] = []
    real = auto_rerun.settings_table

    def spied(name: str, folder: Path | None = None) -> dict[str, Any]:
        if threading.current_thread() is threading.main_thread():
            read_here.append(name)
        return real(name, folder)

    monkeypatch.setattr(auto_rerun, "settings_table", spied)
    app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        reruns = await failed_with_auto_rerun(pilot, app, monkeypatch)
        other = '[defaults]\nmax_result_bytes = 1000000\n\n[variables]\nregion = "us"\n'
        await saved(pilot, app, hosted, other)
        await wait_for(pilot, lambda: reruns == ["sink"], "the rerun")
        assert read_here == []  # old: ["variables", "concurrency"] at each save
        app.shutdown()
