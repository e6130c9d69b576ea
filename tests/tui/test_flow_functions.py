"""@flow functions in the TUI: rows appear as the function reaches tasks; `f` replays with the cache."""

from __future__ import annotations

import re
from pathlib import Path

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import screen_text, wait_for, wait_for_run

from .conftest import Calls, FakeWorkspace
from .test_app import SIZE

S = StateType


def pipeline_flow(calls: Calls, broken: dict[str, bool]):
    @task
    def fetch(region: str) -> int:
        calls.bump("fetch")
        return len(region)

    @task
    def publish(total: int) -> str:
        calls.bump("publish")
        if broken["publish"]:
            raise ConnectionError("[red]gateway[/ down")
        return f"published {total}"

    @flow(name="fn-report")
    def report() -> str:
        totals = [f.result() for f in fetch.map(["eu", "us", "apac"])]
        return publish(sum(totals))

    return report


async def test_rows_appear_as_reached_and_f_replays_with_the_cache(tmp_path: Path) -> None:
    calls, broken = Calls(), {"publish": True}
    workspace = FakeWorkspace(tmp_path, {"fn-report": pipeline_flow(calls, broken)})
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        before = screen_text(app)
        assert "fn-report" in before
        assert "its tasks appear as the flow reaches them" in before  # not "0 tasks"
        assert "No tasks yet: they appear as the flow reaches them" in before
        await pilot.press("r")
        await wait_for_run(pilot, app, S.FAILED, "the run to fail")
        first = app.table.run
        assert first.order == ["fetch", "fetch-2", "fetch-3", "publish"]
        assert app._policy_summary(first.rows["fetch-2"]).startswith("3× on Retry only")
        assert first.rows["publish"].state is S.FAILED
        assert app.table.move_to("publish")
        # (the header says the error first: wait for the rows and the pane, verbatim)
        shown = ("fetch-3", "✗ Failed", "ConnectionError: [red]gateway[/ down")
        await wait_for(
            pilot, lambda: all(t in screen_text(app) for t in shown), "publish's error shown"
        )

        broken["publish"] = False
        await pilot.press("f")
        await wait_for(
            pilot,
            lambda: app.table.run is not first and app.table.run.state is S.COMPLETED,
            "the rerun to complete",
        )
        rerun = app.table.run
        assert rerun.rerun_of == first.run_id
        assert {k for k, r in rerun.rows.items() if r.reused} == {"fetch", "fetch-2", "fetch-3"}
        assert calls.counts == {"fetch": 3, "publish": 2}
        await wait_for(pilot, lambda: "↺ Reused" in screen_text(app), "the reused rows shown")


async def test_a_flow_level_retry_run_can_be_cancelled_from_the_table(tmp_path: Path) -> None:
    import threading

    release = threading.Event()
    attempts = Calls()

    @task
    def slow() -> int:
        if attempts.bump("slow") == 1:
            raise RuntimeError("first flow attempt fails")
        release.wait(60)  # the retry run stays busy until the test cancels it (or ends)
        return 1

    @flow(name="fn-retry", retries=1, retry_delay=0)
    def again() -> int:
        return slow()

    workspace = FakeWorkspace(tmp_path, {"fn-retry": again})
    app = FlowtopApp(workspace)
    try:
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: app.table.run is not None and app.table.run.number == 2,
                "the flow's own retry run to show",
            )
            second = app.table.run
            assert second.rerun_of is not None and second.run_id in app.control.handles
            await pilot.press("c")
            await pilot.pause()
            await pilot.press("y")
            await wait_for(
                pilot, lambda: second.state is S.CANCELLED, "the retry run to be cancelled"
            )
    finally:
        release.set()


async def test_a_flow_function_s_error_is_in_the_header_and_the_detail_pane(
    tmp_path: Path,
) -> None:
    @task
    def part(n: int) -> None:
        return None

    @flow(name="summing")
    def summing() -> int:
        return sum(part(n) for n in range(2))  # None + None: the function itself raises

    @task(max_retries=0)
    def shaky() -> None:
        raise ValueError("shaky")

    @flow(name="handling")
    def handling() -> str:
        try:
            shaky()
        except ValueError:
            return "handled"
        return "?"

    workspace = FakeWorkspace(tmp_path, {"summing": summing, "handling": handling})
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.store.latest_for("summing") is not None
                and app.store.latest_for("summing").state is S.FAILED
            ),
            "summing to fail",
        )
        await wait_for(
            pilot, lambda: "flow raised TypeError" in screen_text(app), "the failure shown"
        )
        text = screen_text(app)
        assert "flow raised TypeError: unsupported operand type(s)" in text  # header
        assert "The flow function raised TypeError" in text  # detail pane
        assert "in summing" in text  # with its traceback
        app.flow_list.select_flow("handling")
        await pilot.pause()
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.store.latest_for("handling") is not None
                and app.store.latest_for("handling").state is S.COMPLETED
            ),
            "handling to complete",
        )
        await wait_for(
            pilot,
            lambda: "(1 task failed, handled by the flow)" in screen_text(app),
            "the handled failure said",
        )


async def test_the_detail_pane_shows_what_the_flow_body_printed(tmp_path: Path) -> None:
    @task
    def one() -> int:
        return 1

    @flow(name="talker")
    def talker() -> int:
        print("hello from the flow body")
        return one()

    app = FlowtopApp(FakeWorkspace(tmp_path, {"talker": talker}))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for_run(pilot, app, S.COMPLETED, "the run to complete")
        await wait_for(  # the detail pane is redrawn on the next frame
            pilot, lambda: "hello from the flow body" in screen_text(app), "the flow's output"
        )
        assert "Flow output" in screen_text(app)


async def test_the_detail_pane_shows_the_flow_s_end_when_it_arrives_on_its_own(
    tmp_path: Path,
) -> None:
    """A run's end (its @flow body's error and output) can reach the app in a batch of
    its own, after the last task's change: the detail pane of the task under the cursor
    is redrawn for it too, not only when that task's row changes."""
    from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted, TaskStateChanged

    @flow(name="talker")
    def talker() -> None:
        return None

    app = FlowtopApp(FakeWorkspace(tmp_path, {"talker": talker}))
    async with app.run_test(size=(120, 50)) as pilot:
        await pilot.pause()
        app.buffer.append_batch(
            [
                RunStarted("r1", "talker", 1, (), (), (), ts=1.0),
                TaskStateChanged("r1", "talker", "one", S.RUNNING, 1, 1, 1.1),
                TaskStateChanged("r1", "talker", "one", S.COMPLETED, 1, 1, 1.2, result="1"),
            ]
        )
        await wait_for(pilot, lambda: "one" in screen_text(app), "the task's row")
        app.buffer.append_batch(
            [
                RunFinished(
                    "r1",
                    "talker",
                    1,
                    S.FAILED,
                    {"COMPLETED": 1},
                    0.5,
                    1.5,
                    error=ErrorInfo("ValueError", "the body gave up", ""),
                    output="hello from the flow body\n",
                )
            ]
        )
        await wait_for_run(pilot, app, S.FAILED, "the run's end")
        await wait_for(
            pilot, lambda: "hello from the flow body" in screen_text(app), "the flow's output"
        )
        assert "the body gave up" in screen_text(app)


async def test_the_detail_pane_links_a_flow_s_calls_as_they_ran(tmp_path: Path) -> None:
    """A @flow's calls link up as its function runs: each call's first step names the
    calls it waits for, and the detail pane lists them both ways."""

    @task
    def fetch(region: str) -> int:
        return len(region)

    @task
    def total(rows: int) -> int:
        return rows

    @flow(name="linked")
    def linked() -> int:
        return sum(total(fetch.submit(region)) for region in ("eu", "us"))

    app = FlowtopApp(FakeWorkspace(tmp_path, {"linked": linked}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for_run(pilot, app, S.COMPLETED, "the run to complete")
        assert app.table.move_to("total-2")
        await wait_for(pilot, lambda: "Upstream: fetch-2" in screen_text(app), "total-2's links")
        assert app.table.move_to("fetch")
        downstream = re.compile(r"Downstream: total(?![-\w])")
        await wait_for(pilot, lambda: downstream.search(screen_text(app)), "fetch's links")


async def test_a_run_whose_work_went_to_subflows_says_so_and_its_end_is_shown(
    tmp_path: Path,
) -> None:
    """A @flow that only calls subflows has no rows: each subflow is a run of its own.
    Instead of "No tasks yet" the table names them, and its line follows the run's end,
    which comes in a batch of its own (no row changes with it)."""
    from flowtop.engine.events import RunFinished, RunStarted

    @flow(name="parent")
    def parent() -> None:
        return None

    @flow(name="child")
    def child() -> None:
        return None

    app = FlowtopApp(FakeWorkspace(tmp_path, {"parent": parent, "child": child}))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        app.selected_flow = "parent"
        app.buffer.append_batch([RunStarted("p1", "parent", 1, (), (), (), ts=1.0)])
        await wait_for(pilot, lambda: "No tasks yet" in screen_text(app), "the live parent")
        app.buffer.append_batch([RunStarted("c1", "child", 4, (), (), (), ts=1.1, parent_run="p1")])
        await wait_for(
            pilot,
            lambda: "its subflows run as runs of their own: ▶ child #4" in screen_text(app),
            "the subflow named",
        )
        app.buffer.append_batch([RunFinished("p1", "parent", 1, S.COMPLETED, {}, 0.5, 1.5)])
        await wait_for(
            pilot,
            lambda: "its subflows ran as runs of their own: ▶ child #4" in screen_text(app),
            "the line to follow the run's end",
        )


async def test_the_history_screen_counts_a_live_flow_run_s_tasks_so_far(tmp_path: Path) -> None:
    """As `flowtop history` does: a @flow plans no task, so a live run's counts are its
    tasks' states so far, not an empty cell."""
    from textual.widgets import DataTable

    from flowtop.engine.events import RunStarted, TaskStateChanged
    from flowtop.tui.screens import HistoryScreen
    from flowtop.workspace.history import History

    from .snapshot_apps import HostApp

    history = History(tmp_path / "history.db")
    try:
        history.sink(
            [
                RunStarted("r1", "nightly", 1, (), (), (), ts=1.0),
                TaskStateChanged("r1", "nightly", "ready", S.RUNNING, 1, 1, 1.1),
                TaskStateChanged("r1", "nightly", "ready", S.COMPLETED, 1, 1, 1.2, result="1"),
                TaskStateChanged("r1", "nightly", "waiter", S.RUNNING, 1, 4, 1.3),
            ]
        )
        assert history.flush(10)
        app = HostApp(lambda: HistoryScreen(history, "nightly"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            row = [str(cell) for cell in app.screen.query_one("#runs", DataTable).get_row_at(0)]
            assert "Running" in row[2] and "✓ 1" in row[3] and "▶ 1" in row[3], row
    finally:
        history.close()


async def test_arrows_on_a_flow_with_no_rows_yet_pick_a_flow(tmp_path: Path) -> None:
    """A @flow never run has no rows: on the first screen ↓ did nothing, and a user who
    meant to pick the next flow pressed r and ran this one."""
    calls, broken = Calls(), {"publish": False}
    flows = {"fn-report": pipeline_flow(calls, broken), "other": pipeline_flow(calls, broken)}
    app = FlowtopApp(FakeWorkspace(tmp_path, flows))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused is app.table and not app.table.keys
        first = app.flow_list.highlighted
        await pilot.press("down")
        assert app.focused is app.flow_list and app.flow_list.highlighted == first + 1


async def test_e_on_a_flow_with_no_task_rows_yet_says_why(tmp_path: Path) -> None:
    """`e` on a never-run @flow (an empty table) did nothing and said nothing."""
    calls = Calls()
    workspace = FakeWorkspace(tmp_path, {"fn-report": pipeline_flow(calls, {})})
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        assert app.table.cursor_key is None  # "No tasks yet: they appear as the flow reaches them"
        await pilot.press("e")
        await wait_for(
            pilot,
            lambda: any(
                "No task of fn-report to edit yet" in n.message for n in app._notifications
            ),
            "the notice",
        )
