"""A parent's run page says of its subflows what the monitor says (sb63): the failures
its body caught, ``↺ Reused`` for a subflow that reused every task (it read ``✓
Completed``), those that did not complete first (it listed them in call order)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from commands.test_history_run_handled_sb63 import family
from flowtop.tui.screens.run_detail import RunDetailScreen
from flowtop.workspace.store_reader import StoreReader
from pilot_kit import wait_for

from .snapshot_apps import HostApp


def attempts(app: HostApp) -> str:
    return str(app.screen.query_one("#attempt-text", Static).render())


async def subflows_listed(db: Path, rows: int) -> list[str]:
    """The lines of ``mom`` #1's page (run ``p`` in ``db``), stripped, once it names
    ``region`` #1."""
    reader = StoreReader(db)
    detail = reader.run_detail("p")
    app = HostApp(lambda: RunDetailScreen(detail, reader))
    async with app.run_test(size=(120, rows)) as pilot:
        await wait_for(pilot, lambda: "region #1" in attempts(app), "the subflows named")
        return [line.strip() for line in attempts(app).splitlines()]


async def test_a_parent_s_page_says_its_subflows_as_the_monitor_does(tmp_path: Path) -> None:
    lines = await subflows_listed(family(tmp_path), rows=30)
    # As ``history --run`` says it: its body caught a failing task too (fx64: the page
    # said only the subflow).
    at = lines.index("(1 task failed, handled by the flow) (1 subflow failed, handled by the flow)")
    assert lines[at + 1 : at + 5] == [
        "region #1 · ✗ Failed",
        "kid #1 · ↺ Reused",
        "nest #1 · ↺ Reused",
        "kid #2 · ✓ Completed",
    ], lines
