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


async def test_a_parent_s_page_says_its_subflows_as_the_monitor_does(tmp_path: Path) -> None:
    reader = StoreReader(family(tmp_path))
    detail = reader.run_detail("p")
    app = HostApp(lambda: RunDetailScreen(detail, reader))
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "region #1" in attempts(app), "the subflows named")
        lines = [line.strip() for line in attempts(app).splitlines()]
        at = lines.index("(1 subflow failed, handled by the flow)")
        assert lines[at + 1 : at + 5] == [
            "region #1 · ✗ Failed",
            "kid #1 · ↺ Reused",
            "nest #1 · ↺ Reused",
            "kid #2 · ✓ Completed",
        ], lines
