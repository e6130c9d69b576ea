"""Quitting leaves nothing running: no worker, timer, sink, history or file-watcher thread.

``tests/tui/test_app.py`` checks ``q`` against a fake workspace. This goes through what a
session really starts: a real ``Workspace`` (history writer thread), the real watchfiles
watcher, a failed run, an ``f`` rerun, a hot reload from a saved file, and a run left
waiting for its retry at the moment of ``q``. Then the app is torn down as ``run_tui``
does, and no thread may still be running flowtop or watchfiles code (idle pool threads
of asyncio/anyio hold none and do not count).
"""

from __future__ import annotations

from pathlib import Path

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

from .conftest import (
    SIZE,
    leftover_threads,
    run_flow,
    wait_no_leftover_threads,
)

S = StateType

FLOWS = """\
from flowtop import Flow, Retry, task

@task
def extract():
    return 1

@task(max_retries=0)
def transform(x):
    {body}

with Flow("etl") as flow:
    transform(extract())

@task(max_retries=3, retry_delay=60)
def waiter():
    raise Retry("rate limited")

with Flow("waiting") as waiting:
    waiter()
"""


async def test_quit_after_runs_reruns_and_a_reload_leaves_no_threads(tmp_path: Path) -> None:
    # An earlier test in this worker may have abandoned an attempt that still sleeps
    # (a timeout test on Dask): let it end first, or this test would blame itself.
    assert not wait_no_leftover_threads(timeout=30), "threads left by an earlier test"
    path = tmp_path / "etl.py"
    path.write_text(FLOWS.format(body='raise ValueError("bad row")'), encoding="utf-8")
    workspace = Workspace(tmp_path)
    app = FlowtopApp(workspace, load=True)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(pilot, lambda: app.control is not None, "the workspace to load")
            assert (await run_flow(app, pilot, "etl")).state is S.FAILED
            first = app.store.latest_for("etl")
            await pilot.press("f")
            await wait_for(
                pilot,
                lambda: (run := app.store.latest_for("etl")) is not first and not run.is_live,
                "the rerun of what failed",
            )
            assert app.store.latest_for("etl").rows["extract"].reused
            path.write_text(FLOWS.format(body="return x + 1"), encoding="utf-8")
            await wait_for(
                pilot, lambda: "Reloaded etl.py" in screen_text(app), "the hot reload toast"
            )
            second = app.store.latest_for("etl")
            await pilot.press("f")
            await wait_for(
                pilot,
                lambda: (run := app.store.latest_for("etl")) is not second and not run.is_live,
                "the rerun after the fix",
            )
            assert app.store.latest_for("etl").state is S.COMPLETED
            # Three runs of etl: only the shown one (and its engine handle) is kept.
            assert list(app.store.runs) == list(app.control.handles) == [app.store.latest["etl"]]
            app.flow_list.select_flow("waiting")
            await wait_for(pilot, lambda: app.selected_flow == "waiting", "the waiting flow")
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: (
                    (run := app.store.latest_for("waiting")) is not None
                    and run.rows["waiter"].state is S.AWAITING_RETRY
                ),
                "a retry wait of a minute",
            )
            waiting = next(h for h in app.control.handles.values() if h.flow.name == "waiting")
            # The watcher's anyio thread is idle in its pool (not counted) for a moment
            # after each change it reports, until the watch resumes: wait for it.
            kinds = ("flowtop-timer", "flowtop-history", "flowtop-sink", "anyio")
            await wait_for(
                pilot,
                lambda: all(kind in " ".join(leftover_threads()) for kind in kinds),
                "every kind of thread the check must see",
            )
            await pilot.press("q")
            await pilot.pause(0.05)
        assert waiting.state is S.CANCELLED
    finally:
        app.shutdown()  # what run_tui does after app.run() returns
        workspace.close()
    assert wait_no_leftover_threads() == []
