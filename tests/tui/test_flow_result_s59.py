"""The monitor shows what a ``@flow`` returned (explorer rv395, F1): its run header said
``No task ran: the flow completed without calling one`` and nothing of the value; the
run header now ends with it (``→ '2.0'``, as ``flowtop run`` ends the run's line), and
the history screen's run page says it (*Flow result*), beside the flow's own output."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from textual.widgets import Static

from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.screens import HistoryScreen, RunDetailScreen
from flowtop.workspace import Workspace
from pilot_kit import screen_text, wait_for

SCALED = """\
from flowtop import flow


@flow
def scaled(n: int = 4, factor: float = 0.5) -> str:
    print("scaling")
    return f"{n * factor}"
"""


@contextlib.asynccontextmanager
async def started(folder: Path) -> AsyncIterator[tuple[FlowtopApp, Any]]:
    """The monitor of ``folder``'s flows once ``r`` started a run of the first: the app and
    its pilot; the workspace closed after."""
    workspace = Workspace(folder)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            yield app, pilot
    finally:
        workspace.close()


async def completed(pilot: Any, app: FlowtopApp, flow_name: str) -> None:
    """Let the app run until its latest run of ``flow_name`` has completed."""
    await wait_for(
        pilot,
        lambda: (
            (run := app.store.latest_for(flow_name)) is not None
            and run.state is StateType.COMPLETED
        ),
        f"the run of {flow_name!r} to complete",
    )


async def run_page(pilot: Any, app: FlowtopApp, says: str) -> str:
    """The latest run's page on the history screen (``h``, then ``enter``): what its
    attempt pane shows once it shows ``says``."""
    await pilot.press("h")
    await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run page")

    def shown() -> str:
        return str(app.screen.query_one("#attempt-text", Static).render())

    await wait_for(pilot, lambda: says in shown(), f"the run page's {says.lower()}")
    return shown()


async def test_the_header_and_the_history_s_run_page_show_what_the_flow_returned(
    tmp_path: Path,
) -> None:
    (tmp_path / "scaled.py").write_text(SCALED)
    async with started(tmp_path) as (app, pilot):
        await completed(pilot, app, "scaled")
        await wait_for(pilot, lambda: "✓ Completed" in screen_text(app), "the header's end", 15)
        header = next(line for line in screen_text(app).splitlines() if "run #1" in line)
        assert header.rstrip(" ▕│").endswith("→ '2.0'"), header

        page = await run_page(pilot, app, "Flow result")
        assert "Flow result: '2.0'\n" in page, page
        assert page.index("Flow result") < page.index("Flow output"), page  # before it
