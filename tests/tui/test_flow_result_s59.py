"""The monitor shows what a ``@flow`` returned (explorer rv395, F1): its run header said
``No task ran: the flow completed without calling one`` and nothing of the value; the
run header now ends with it (``→ '2.0'``, as ``flowtop run`` ends the run's line), and
the history screen's run page says it (*Flow result*), beside the flow's own output."""

from __future__ import annotations

from pathlib import Path

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


async def test_the_header_and_the_history_s_run_page_show_what_the_flow_returned(
    tmp_path: Path,
) -> None:
    (tmp_path / "scaled.py").write_text(SCALED)
    workspace = Workspace(tmp_path)
    workspace.load()
    app = FlowtopApp(workspace, watch=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: (
                    (run := app.store.latest_for("scaled")) is not None
                    and run.state is StateType.COMPLETED
                ),
                "the run of 'scaled' to complete",
            )
            await wait_for(pilot, lambda: "✓ Completed" in screen_text(app), "the header's end", 15)
            header = next(line for line in screen_text(app).splitlines() if "run #1" in line)
            assert header.rstrip(" ▕│").endswith("→ '2.0'"), header

            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, RunDetailScreen), "the run page")
            await wait_for(
                pilot,
                lambda: (
                    "Flow result" in str(app.screen.query_one("#attempt-text", Static).render())
                ),
                "the run page's flow result",
            )
            page = str(app.screen.query_one("#attempt-text", Static).render())
            assert "Flow result: '2.0'\n" in page, page
            assert page.index("Flow result") < page.index("Flow output"), page  # before it
    finally:
        workspace.close()
