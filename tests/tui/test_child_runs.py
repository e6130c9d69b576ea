"""Child runs in the TUI (issue 14): the header of a subflow's run names its parent run,
and the history screen lists child runs as such."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import DataTable, Static

from flowtop import flow, task
from flowtop.engine import Runner
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import HistoryScreen
from flowtop.workspace.history import History
from pilot_kit import wait_for

from .conftest import FakeWorkspace
from .snapshot_apps import HostApp
from .test_app import SIZE


@task
def step(x: int) -> int:
    return x + 1


@flow(name="child", flow_run_name="child-of-{x}")
def child(x: int) -> int:
    return step(x)


@flow(name="parent")
def parent() -> int:
    return child(1) * 10


def record(root: Path) -> None:
    with History(root / ".flowtop" / "history.db") as history:
        runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
        try:
            runner.start(parent).final_result(30)
        finally:
            runner.shutdown()
        assert history.flush()


async def test_the_run_header_says_child_of_run_n_of_the_parent_flow(tmp_path: Path) -> None:
    workspace = FakeWorkspace(tmp_path, {"parent": parent, "child": child})
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app._select_flow("parent")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None
                and app.table.run.state is not None
                and not app.table.run.is_live
            ),
            "the parent run to end",
        )
        assert "child" not in app.header.render().plain  # type: ignore[attr-defined]
        app._select_flow("child")
        await pilot.pause()
        assert app.table.run is not None and app.table.run.flow == "child"
        assert "(child of parent #1)" in app.header.render().plain  # type: ignore[attr-defined]


async def test_the_history_screen_lists_child_runs_as_such_with_their_names(
    tmp_path: Path,
) -> None:
    record(tmp_path)
    with History(tmp_path / ".flowtop" / "history.db") as history:
        app = HostApp(lambda: HistoryScreen(history, None))
        async with app.run_test(size=(140, 30)) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#runs", DataTable)
            flows = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
            assert sorted(flows) == [
                "child child-of-1 (child of parent #1) with x=1",
                "parent",
            ]  # its flow_run_name and parameter too
            row = flows.index("child child-of-1 (child of parent #1) with x=1")
            table.move_cursor(row=row)
            await pilot.press("enter")
            await pilot.pause()
            heading = app.screen.query_one("#heading", Static)
            assert "child of parent #1" in str(heading.render())
            assert str(heading.render()).startswith("child #1 child-of-1 · ")
