"""The run form: `r` on a @flow that needs a value asks for it, `R` asks for any; the run
gets what was typed (read as JSON, else text), and the next form starts from it."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from flowtop import Flow, flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens.run_form import RunForm
from pilot_kit import screen_text, wait_for, wait_for_run

from .conftest import FakeWorkspace
from .test_app import SIZE

S = StateType


def scaled_flow(seen: list[tuple[Any, ...]]) -> Any:
    @task
    def double(x: int) -> int:
        return 2 * x

    @flow(name="scaled")
    def scaled(n: int, factor: float = 1.0, label: str = "run") -> float:
        seen.append((n, factor, label))
        return sum(double(i) for i in range(n)) * factor

    return scaled


def field(app: FlowtopApp, index: int) -> Any:
    from textual.widgets import Input

    return app.screen.query_one(f"#param-{index}", Input)


async def test_r_asks_for_a_required_value_and_the_run_gets_what_was_typed(tmp_path: Path) -> None:
    seen: list[tuple[Any, ...]] = []
    app = FlowtopApp(FakeWorkspace(tmp_path, {"scaled": scaled_flow(seen)}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the RunForm")
        text = screen_text(app)
        assert "Run scaled with" in text and "required" in text and "default: 1.0" in text
        assert "has no default" not in text  # not marked before Run is pressed
        await pilot.press("enter")  # n left empty: refused, and now marked
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the RunForm")
        assert "n has no default: give it a value" in screen_text(app)
        await pilot.press("x")  # n is an int: said as it is typed, and Run refuses it
        await pilot.pause()
        assert "n: expected int, got 'x'" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the RunForm")
        await pilot.press("backspace", "3")
        field(app, 2).value = "nightly"  # not JSON: the text itself
        await pilot.press("enter")
        await wait_for_run(pilot, app, S.COMPLETED, "the run to complete")
        assert seen == [(3, 1.0, "nightly")]
        assert app.table.run.parameters == {"n": 3, "label": "nightly"}
        await wait_for(  # the header says how it ran
            pilot, lambda: 'with n=3, label="nightly"' in screen_text(app), "the header"
        )

        # R: the form starts from the latest run; one value changed is one edit
        await pilot.press("R")
        await pilot.pause()
        assert [field(app, i).value for i in range(3)] == ["3", "", "nightly"]
        field(app, 1).value = "0.5"
        await pilot.press("enter")
        await wait_for(pilot, lambda: len(seen) == 2, "the second run")
        assert seen[1] == (3, 0.5, "nightly")


async def test_escape_cancels_and_a_flow_without_parameters_runs_at_once(tmp_path: Path) -> None:
    seen: list[tuple[Any, ...]] = []

    @task
    def one() -> int:
        return 1

    with Flow("static") as static:
        one()
    app = FlowtopApp(FakeWorkspace(tmp_path, {"scaled": scaled_flow(seen), "static": static}))
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("scaled")
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the RunForm")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, RunForm) and seen == []
        app.flow_list.select_flow("static")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        assert [n.message for n in app._notifications] == [
            "static takes no parameters (only a @flow function does): press r to run it"
        ]
        await pilot.press("r")  # no form: nothing to ask
        await wait_for_run(pilot, app, S.COMPLETED, "the static run")


async def test_the_history_screen_shows_a_run_s_parameters_and_flow_output(tmp_path: Path) -> None:
    from textual.widgets import DataTable, Static

    from flowtop.engine.events import RunFinished, RunStarted
    from flowtop.tui.screens import HistoryScreen
    from flowtop.workspace.history import History

    from .snapshot_apps import HostApp

    history = History(tmp_path / "history.db")
    try:
        history.sink(
            [
                RunStarted("r1", "scaled", 1, (), (), (), ts=1.0, parameters='{"n":3,"label":"x"}'),
                RunFinished("r1", "scaled", 1, S.COMPLETED, {}, 0.5, 1.5, output="body said hi\n"),
            ]
        )
        assert history.flush(10)
        app = HostApp(lambda: HistoryScreen(history, "scaled"))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            table = app.screen.query_one("#runs", DataTable)
            assert str(table.get_row_at(0)[0]) == 'scaled with n=3, label="x"'
            await pilot.press("enter")
            await pilot.pause()
            heading = str(app.screen.query_one("#heading", Static).render())
            assert 'with n=3, label="x"' in heading
            shown = str(app.screen.query_one("#attempt-text", Static).render())
            assert "Flow output" in shown and "body said hi" in shown  # what the body printed
    finally:
        history.close()


class Level(enum.Enum):
    LOW = 1
    HIGH = 2


async def test_a_value_of_the_flow_s_own_type_is_checked_before_the_run(tmp_path: Path) -> None:
    """The form cannot know ``Level`` by its name; the workspace, which has the flow's
    code, says the value does not fit, and Run stays in the form instead of starting a
    run that fails at once."""
    seen: list[Level] = []

    @flow(name="tuned")
    def tuned(level: Level) -> None:
        seen.append(level)

    app = FlowtopApp(FakeWorkspace(tmp_path, {"tuned": tuned}))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RunForm), "the RunForm")
        assert "required · one of LOW, HIGH" in screen_text(app)  # the values to type
        await pilot.press(*"MEDIUM")
        await pilot.pause()
        assert "level: expected Level (one of LOW, HIGH), got 'MEDIUM'" in screen_text(app)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, RunForm) and seen == []
        field(app, 0).value = "HIGH"
        await pilot.pause()
        assert "expected Level" not in screen_text(app)
        await pilot.press("enter")
        await wait_for_run(pilot, app, S.COMPLETED, "the run to complete")
        assert seen == [Level.HIGH]


async def test_the_footer_offers_run_with_for_a_flow_that_takes_parameters(tmp_path: Path) -> None:
    """`R Run with…` was never in the footer, even at 160 columns: a @flow's parameters
    had no visible key."""
    seen: list[tuple[Any, ...]] = []

    @task
    def one() -> int:
        return 1

    with Flow("static") as static:
        one()
    app = FlowtopApp(FakeWorkspace(tmp_path, {"scaled": scaled_flow(seen), "static": static}))
    async with app.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("scaled")
        await wait_for(pilot, lambda: "R Run with…" in screen_text(app), "R in the footer")
        app.flow_list.select_flow("static")
        await wait_for(
            pilot, lambda: "R Run with…" not in screen_text(app), "no R for a static flow"
        )
