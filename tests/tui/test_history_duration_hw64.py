"""The history screen at 80 columns shows each run's Duration whole, and its footer
offers `→` while columns are past the right edge.

All flows' runs at 80x24 read Duration as `785…` and `1m0…`, the Flow cell kept at 24
cells whatever the other columns took; and only the heading said `→ more columns`, the
footer naming no `→`.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import DataTable

from flowtop.tui.screens.history import HistoryScreen
from flowtop.workspace.history_records import RunDetail, RunRecord
from pilot_kit import screen_text, wait_for

from .snapshot_apps import T0, HostApp


def run(number: int, flow: str, duration: float, **extra: Any) -> RunRecord:
    fields: dict[str, Any] = {"rerun_of": None, "rerun_of_number": None, **extra}
    return RunRecord(
        run_id=f"run-{flow}-{number}",
        flow=flow,
        number=number,
        state="FAILED",
        started=T0 + number,
        finished=T0 + number + duration,
        duration=duration,
        counts={"COMPLETED": 2, "FAILED": 1, "UPSTREAM_FAILED": 1},
        tasks=4,
        **fields,
    )


RUNS = [
    run(2, "regional-report", 65.0, name="nightly-2026-02-03", parameters={"day": "2026-02-03"}),
    run(1, "etl", 0.785, rerun_of="run-etl-0", rerun_of_number=7),
]


class TwoRunsHistory:
    """The history ``HistoryScreen`` reads: two runs of two flows, one with a long cell."""

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return [r for r in RUNS if flow is None or r.flow == flow]

    def count(self, flow: str | None = None) -> int:
        return len(self.runs(flow))

    def run_detail(self, run_id: str) -> RunDetail:
        return RunDetail(next(r for r in RUNS if r.run_id == run_id), ())

    def close(self) -> None:
        pass


def footer(app: HostApp) -> str:
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_duration_is_whole_and_the_footer_offers_the_arrow(size: tuple[int, int]) -> None:
    app = HostApp(lambda: HistoryScreen(TwoRunsHistory(), None))  # all flows' runs
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: "regional-report" in screen_text(app), "the runs list")
        await pilot.pause()
        text = screen_text(app)
        assert "Duration" in text and "1m05s" in text and "785ms" in text, text
        heading = text.splitlines()[0].rstrip()
        if size[0] == 120:  # room for every column: nothing to scroll to
            assert "Rerun of" in text and "#7" in text, text
            assert "more columns" not in heading and "→" not in footer(app), text
            return
        assert heading.endswith("→ more columns"), text
        assert "→ More columns" in footer(app), text
        table = app.screen.query_one("#runs", DataTable)
        table.focus()
        for _ in range(len(table.ordered_columns)):
            await pilot.press("right")
        await wait_for(
            pilot,
            lambda: "→ more columns" not in screen_text(app).splitlines()[0],
            "the hint to go once the last column is shown",
        )
        await wait_for(pilot, lambda: "→" not in footer(app), "the footer to drop `→`")
        assert "#7" in screen_text(app)
