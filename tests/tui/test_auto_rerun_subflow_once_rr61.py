"""Auto-rerun (`a`) reruns a failed subflow's run once: through its parent's rerun.

A save of a file holding a parent ``@flow`` and its subflow reruns each flow of the file
whose newest run failed. The subflow's newest run was the failed child of the parent's
run, so it was rerun on its own, and again inside the parent's rerun, which reruns its
subflows' runs: the failed region's tasks ran twice for one save (rv408 §1).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.messages import WorkspaceReloaded
from flowtop.workspace import RemoteWorkspace
from pilot_kit import wait_for

from .test_auto_rerun_s56b import SIZE, recorded

INGEST = """\
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


@task(max_retries=0)
def fetch(region: str) -> int:
    with (HERE / f"called-{region}").open("a") as calls:
        calls.write("x")
    if (HERE / f"down-{region}").exists():
        raise RuntimeError(f"{region} is down")
    return len(region)


@flow
def extract_region(region: str) -> int:
    return fetch(region)


@flow
def daily(regions: list[str] = ["eu", "apac"]) -> int:
    states = [extract_region(r, return_state=True) for r in regions]
    return sum(state.result() for state in states)
"""


#: How long a run process may take under a loaded suite (a safety bound, not a timing).
LOADED = 60.0


@pytest.fixture
def hosted(tmp_path: Path) -> Iterator[RemoteWorkspace]:
    (tmp_path / "ingest.py").write_text(INGEST, encoding="utf-8")
    (tmp_path / "down-apac").touch()
    workspace = RemoteWorkspace(str(tmp_path))
    try:
        yield workspace
    finally:
        workspace.close()


def _selected(app: FlowtopApp, flow: str) -> bool:
    """Select ``flow`` (again, while its row is not listed yet: the flows' shapes come
    before the list shows them) and say whether it is the selected one."""
    app.flow_list.select_flow(flow)
    return app.selected_flow == flow


def _failed(app: FlowtopApp, flow: str) -> bool:
    run = app.store.latest_for(flow)
    return run is not None and run.state is StateType.FAILED


async def test_a_save_reruns_a_failed_subflow_only_inside_its_parents_rerun(
    hosted: RemoteWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = hosted.root
    app = FlowtopApp(hosted, load=True, run_processes=True, watch=False)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: "daily" in app.workspace.shapes, "the flows", LOADED)
        await wait_for(pilot, lambda: _selected(app, "daily"), "the parent selected")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: _failed(app, "daily") and _failed(app, "extract-region"),
            "a failure",
            LOADED,
        )
        failed = app.store.latest_for("daily")
        (root / "down-apac").unlink()
        await pilot.press("a")
        reruns = recorded(app, monkeypatch)

        path = root / "ingest.py"
        path.write_text(INGEST + "# saved\n", encoding="utf-8")
        change = await asyncio.to_thread(hosted.reload_paths, [path])
        app.post_message(WorkspaceReloaded(change))
        await wait_for(
            pilot,
            lambda: (
                (run := app.store.latest_for("daily")) is not failed
                and run is not None
                and run.state is StateType.COMPLETED
            ),
            "the parent's rerun",
            LOADED,
        )
        await pilot.pause()
        assert reruns == ["daily"]  # old: ["daily", "extract-region"] (in some order)
        assert (root / "called-apac").read_text() == "xx"  # old: "xxx"
        child, rerun = app.store.latest_for("extract-region"), app.store.latest_for("daily")
        assert child is not None and rerun is not None and child.parent_run == rerun.run_id
        app.shutdown()


GATED = """\
import time
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


@task(max_retries=0)
def fetch(region: str) -> int:
    with (HERE / f"called-{region}").open("a") as calls:
        calls.write("x")
    if (HERE / f"down-{region}").exists():
        raise RuntimeError(f"{region} is down")
    return len(region)


@flow
def extract_region(region: str) -> int:
    return fetch(region)


@task(max_retries=0)
def gate() -> None:  # the parent stays live until the test says
    while not (HERE / "go").exists():
        time.sleep(0.01)


@flow
def daily(handles: bool = HANDLES) -> bool:
    state = extract_region("apac", return_state=True)
    gate()
    return state.is_completed() if handles else bool(state.result())
"""


@pytest.mark.parametrize("handles", [False, True])
async def test_a_save_while_the_parent_runs_waits_for_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, handles: bool
) -> None:
    """The subflow's run failed while its parent's still runs: the parent's run decides
    as it ends. Failed, its rerun reruns the subflow's; completed (it handled the
    failure), the subflow's failed run reruns on its own."""
    path = tmp_path / "ingest.py"
    path.write_text(GATED.replace("HANDLES", str(handles)), encoding="utf-8")
    (tmp_path / "down-apac").touch()
    workspace = RemoteWorkspace(str(tmp_path))
    app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: "daily" in app.workspace.shapes, "the flows", LOADED)
            await wait_for(pilot, lambda: _selected(app, "daily"), "the parent selected")
            await pilot.press("r")
            await wait_for(pilot, lambda: _failed(app, "extract-region"), "the child", LOADED)
            parent = app.store.latest_for("daily")
            assert parent is not None and parent.is_live
            (tmp_path / "down-apac").unlink()
            await pilot.press("a")
            reruns = recorded(app, monkeypatch)
            path.write_text(path.read_text() + "# saved\n", encoding="utf-8")
            change = await asyncio.to_thread(workspace.reload_paths, [path])
            app.post_message(WorkspaceReloaded(change))
            await pilot.pause()
            assert "extract-region" not in reruns  # old: at once, then again by the parent's
            (tmp_path / "go").touch()
            await wait_for(
                pilot,
                lambda: (
                    (run := app.store.latest_for("extract-region")) is not None
                    and run.state is StateType.COMPLETED
                    and not any(run.is_live for run in app.store.runs.values())
                ),
                "the failed subflow rerun",
                LOADED,
            )
            child = app.store.latest_for("extract-region")
            assert child is not None and child.state is StateType.COMPLETED
            rerun = app.store.latest_for("daily")
            by_parent = not handles  # failed, the parent reran; else the child on its own
            assert (rerun is not parent) is by_parent
            assert (child.parent_run is not None) is by_parent
            await pilot.pause()
            assert (tmp_path / "called-apac").read_text() == "xx"
            app.shutdown()
    finally:
        workspace.close()
