"""The workspace folder moved (``mv flows flows2``) while runs of the shown flow live.

The monitor showed `sleeper #2`, live; the store's client ended every live run it had
handed on (``RunInterrupted``, right after ``StoreGone``), in the order of their ids, and a
newer run started elsewhere that ended after the shown one took its place (`sleeper #18`,
interrupted): the rule for a run that ends after the shown one ended. Here they all end at
once, with their store: the shown run stays shown, as its store's end left it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop import Flow, task
from flowtop.engine.events import RunStarted
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunStartedElsewhere
from flowtop.workspace.run_log import RunInterrupted
from flowtop.workspace.store_notices import StoreGone
from pilot_kit import screen_text, wait_for, wait_for_text

from .conftest import FakeWorkspace

SIZE = (120, 30)
WHY = "its run store flows/.flowtop/history.db moved away with its folder to /tmp/flows2"


@pytest.fixture
def workspace(tmp_path: Path) -> Iterator[FakeWorkspace]:
    @task
    def nap() -> None:
        return None

    with Flow("sleeper") as flow:
        nap()
    ws = FakeWorkspace(tmp_path, {"sleeper": flow})
    yield ws
    for runner in ws.runners:
        runner.shutdown(wait=True)


def start(number: int) -> RunStarted:
    event = RunStarted(f"r{number}", "sleeper", number, ("nap",), (1,), ("",), ts=float(number))
    return event if number == 2 else RunStartedElsewhere(*event)  # #2 shown; the rest beside it


def interrupted(number: int) -> RunInterrupted:
    return RunInterrupted(f"r{number}", WHY, 50.0, flow="sleeper", run=number)


def header(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[0]


@pytest.mark.parametrize("order", [(2, 18, 3), (3, 2, 18), (18, 3, 2)], ids=str)
async def test_the_shown_run_stays_shown_as_its_store_moves_away(
    workspace: FakeWorkspace, order: tuple[int, ...]
) -> None:
    app = FlowtopApp(workspace)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the control")
        app.flow_list.select_flow("sleeper")
        app.buffer.append_batch([start(2), start(3), start(18)])
        await wait_for_text(pilot, app, "3 live runs (#2, #3, #18): w switches")
        assert "sleeper  run #2" in header(app)
        # the folder moved: the store's client says so, then ends each live run it handed on
        gone = StoreGone(f"The run store {WHY}", 50.0)
        app.buffer.append_batch([gone, *(interrupted(n) for n in order)])
        await wait_for(
            pilot,
            lambda: (run := app.table.run) is not None and not run.is_live,
            "the shown run ended",
        )
        await wait_for_text(pilot, app, "sleeper  run #2  ⚡ Interrupted")  # old: run #18 or #3
        run = app.table.run
        assert run is not None and run.number == 2, run
        assert app.store.latest_for("sleeper") is run
        assert "live run" not in header(app)
