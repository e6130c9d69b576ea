"""The reviewer's case, live: a run another client starts never takes the place of the
live run a TUI shows, so `x` acts on the task under the cursor, in the run on screen."""

from __future__ import annotations

from pathlib import Path

from flowtop.engine.states import StateType
from flowtop.workspace.owner_agent import enqueue
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import screen_text, wait_for

from .conftest import WAITING, flowtop, wait_until
from .test_tui_client import client_app

S = StateType


def states(folder: Path) -> dict[int, str]:
    return {r.number: r.state for r in StoreReader(folder / ".flowtop" / "history.db").runs()}


async def test_x_gives_up_in_the_shown_run_not_in_one_started_elsewhere(tmp_path: Path) -> None:
    (tmp_path / "waiting.py").write_text(WAITING.replace("\n    ", "\n").lstrip())
    detached: str | None = None
    async with client_app(tmp_path, "waiting") as (app, pilot):
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None
                and app.table.run.rows.get("waiter") is not None
                and app.table.run.rows["waiter"].state is S.AWAITING_RETRY
            ),
            "run #1 to wait for its retry",
            20,
        )
        mine = app.table.run
        started = flowtop("run", ".", "--flow", "waiting", "--detach", cwd=tmp_path)
        assert started.returncode == 0, started.stderr
        detached = started.stdout.strip()
        try:
            await wait_for(
                pilot,
                lambda: "2 live runs (#1, #2): w switches" in screen_text(app),
                "the other run to be announced",
                20,
            )
            assert app.table.run is mine  # old: the screen jumped to #2
            # (announced while its process still imports the flow: w then says it starts)
            await wait_for(
                pilot,
                lambda: 2 in [run.number for run in app.store.live_for("waiting")],
                "run #2 to have started",
                20,
            )
            await pilot.press("x")
            await wait_for(pilot, lambda: states(tmp_path)[1] == "FAILED", "x on run #1", 10)
            assert states(tmp_path)[2] == "RUNNING"
            await pilot.press("w")
            await pilot.pause(0.05)
            assert app.table.run is not None and app.table.run.number == 2
        finally:
            enqueue(tmp_path / ".flowtop" / "history.db", detached, "cancel")
    wait_until(lambda: states(tmp_path)[2] != "RUNNING", "the detached run to end")
