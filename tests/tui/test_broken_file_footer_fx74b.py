"""The footer on a flow whose file failed to load since it did: no `r`, `R`, `f` or `t`.

The file saved broken (or hanging past ``load_timeout``) keeps its flows listed as they
last loaded, and the run keys only say why they cannot run them (``broken_flow_said``),
yet the footer went on offering `r Run` and `f Run again` there. It leaves them out now,
as it does any key that would only say why; pressed anyway, each still says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from pilot_kit import footer_labels, screen_text, toasts_said, wait_for, wait_for_run

from .conftest import FakeLoadError, FakeWorkspace

SIZE = (120, 30)


def failing_flow() -> Flow:
    """``fetch`` ✓, then ``load`` ✗: `f` reruns it, `t` reruns a task."""

    @task
    def fetch() -> int:
        return 1

    @task(max_retries=0)
    def load(rows: int) -> None:
        raise ValueError(f"{rows} row refused")

    with Flow("sink") as flow:
        load(fetch())
    return flow


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[FakeWorkspace]:
    ws = FakeWorkspace(tmp_path, {"sink": failing_flow()})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


async def test_footer_leaves_out_the_run_keys_while_the_flows_file_fails_to_load(
    workspace: FakeWorkspace, tmp_path: Path
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "sink", "the flow")
        await pilot.press("r")
        await wait_for_run(pilot, app, StateType.FAILED)
        app.table.focus()
        await pilot.pause()
        before = footer_labels(app)
        assert {"r", "f", "t"} <= set(before), before  # the flow loads: they act
        path = tmp_path / "sink.py"
        workspace.errors = {path: FakeLoadError(path, None, "import did not finish in 10 s")}
        await wait_for(
            pilot,
            lambda: not {"r", "f", "t", "R"} & set(footer_labels(app)),
            "the footer to leave out the run keys",
        )  # old: `r Run  f Rerun failed  … t Rerun task` stayed
        labels = footer_labels(app)
        assert {"e", "h"} <= set(labels), labels  # `e` edits its kept settings; `h` lists runs
        # the bar on screen is redrawn to match (the live tick: no widget names the change)
        await wait_for(pilot, lambda: " r Run " not in screen_text(app), "the bar redrawn")
        for key in ("r", "f", "t"):
            with toasts_said(app) as said:
                await pilot.press(key)  # pressed anyway: it says why, as before
                await wait_for(pilot, lambda: said, f"{key}'s answer")
            assert said[0].startswith("sink cannot run: its file sink.py failed to load ("), said
        workspace.errors = {}  # it loads again: the keys are back
        await wait_for(pilot, lambda: {"r", "f", "t"} <= set(footer_labels(app)), "the keys back")
        run = app.store.latest_for("sink")
        assert run is not None and run.number == 1  # none of the keys ran it meanwhile


@pytest.mark.parametrize(
    ("keys", "said"),
    [
        # old: `sink  not run yet — press r to run`, and `r` said it cannot run
        ((), "sink  not run yet: sink.py failed to load — fix it and save"),
        # old: `… press r on the main screen to run it`, a key the footer no longer offers
        (("h",), "sink.py failed to load: fix it and save to run it, or a here"),
    ],
    ids=["header", "history"],
)
async def test_a_broken_flow_never_run_says_to_fix_its_file_not_to_press_r(
    workspace: FakeWorkspace, tmp_path: Path, keys: tuple[str, ...], said: str
) -> None:
    path = tmp_path / "sink.py"
    workspace.errors = {path: FakeLoadError(path, None, "import did not finish in 10 s")}
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "sink", "the flow")
        await pilot.press(*keys)
        await wait_for(pilot, lambda: said in screen_text(app), repr(said))


async def test_a_narrow_header_of_a_broken_flow_keeps_saying_why(
    workspace: FakeWorkspace, tmp_path: Path
) -> None:
    """At 60 columns its hint was `cannot run flows — r says why`, of a store's error."""
    path = tmp_path / "sink.py"
    workspace.errors = {path: FakeLoadError(path, None, "import did not finish in 10 s")}
    app = FlowtopApp(workspace)
    async with app.run_test(size=(60, 24), notifications=True) as pilot:
        await wait_for(pilot, lambda: app.selected_flow == "sink", "the flow")
        said = "not run yet: sink.py failed to load"
        await wait_for(pilot, lambda: said in screen_text(app), repr(said))
        assert "cannot run flows" not in screen_text(app)
