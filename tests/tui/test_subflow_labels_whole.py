"""A ``@flow`` made only of subflows names them in place of rows, never a label split.

At 120 columns its line read "…region-sub #1, region-sub #2, region-sub" and then "#3"
alone at the start of the next, read as a run of its own: the wrap broke inside a run's
label. It breaks between labels (``no_rows.run_label``), at any width, and a label
whose flow's name has spaces stays whole too.
"""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

from rich.cells import cell_len

from flowtop import flow
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.no_rows import no_rows_text, wrapped
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

REGIONS = ("eu", "us", "apac", "latam", "africa", "oceania", "antarctica", "arctic")
LABELS = [f"region-sub #{n}" for n in range(1, len(REGIONS) + 1)]


def table_lines(app: FlowtopApp) -> list[str]:
    """What the task table says in place of rows: its lines under the column titles, up
    to the detail pane's top edge, each stripped."""
    lines = [line.split("▕", 1)[1] for line in screen_text(app).splitlines() if "▕" in line]
    below = lines[3:]  # the run header's two lines, the column titles
    end = next(i for i, line in enumerate(below) if "▔" in line)
    return [line.strip() for line in below[:end] if line.strip()]


def labels_split(lines: list[str]) -> list[str]:
    """The lines that start with a run's number: the rest of a label the line before cut."""
    return [line for line in lines if re.match(r"#\d", line)]


def wide(app: FlowtopApp, width: int) -> bool:
    """Whether the screen has been laid out ``width`` columns wide."""
    return app.screen.size.width == width


async def test_the_subflows_labels_are_never_split_across_lines(tmp_path: Path) -> None:
    @flow(name="region-sub")
    def region_sub(region: str = "eu") -> str:
        return region

    @flow(name="regions")
    def regions() -> None:
        for region in REGIONS:
            region_sub(region)

    app = FlowtopApp(FakeWorkspace(tmp_path, {"regions": regions, "region-sub": region_sub}))
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("regions")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.state is StateType.COMPLETED,
            "the run of regions to complete",
        )
        await wait_for(pilot, lambda: LABELS[-1] in screen_text(app), "the last subflow's label")
        for width in range(90, 131):  # the line breaks at every place across these widths
            await pilot.resize_terminal(width, 36)
            await wait_for(pilot, partial(wide, app, width), f"{width} columns")
            await pilot.pause()
            lines = table_lines(app)
            assert not labels_split(lines), (width, lines)
            assert all(any(label in line for line in lines) for label in LABELS), (width, lines)


def test_the_line_naming_subflows_breaks_between_labels_at_every_width() -> None:
    """At every width a label fits in (the longest, with its symbol and comma, is 31 cells)."""
    run = RunModel("regions", [], run_id="r1", number=1)  # live: "its subflows run"
    for label in [*LABELS, "a flow named with spaces #12"]:
        name, _, number = label.rpartition(" #")
        run.children.append(RunModel(name, [], run_id=label, number=int(number)))
    text = no_rows_text(run)
    for width in range(31, 100):
        lines = wrapped(text, width, most=20)
        assert not labels_split(lines), (width, lines)
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        assert " ".join(lines) == (
            "No task of its own; its subflows run as runs of their own: "
            + ", ".join(f"▶ {label}" for label in run.subflows)
        ), (width, lines)  # drawn with spaces, whatever kept a label whole
        assert any("a flow named with spaces #12" in line for line in lines), (width, lines)
