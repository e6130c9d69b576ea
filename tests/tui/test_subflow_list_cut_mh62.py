"""A parent's subflow list, in place of rows, when it does not fit (mh62).

At 80 columns 40 subflow runs read `… ✓ leaf #10, ✓ leaf #12, ✓ leaf #1…`: cut inside
a run's number (#13 read as #1), with no word of the 30 left out. The list is cut
between two runs now and says how many more there are, those that failed first.
"""

from __future__ import annotations

import contextlib
import re
from pathlib import Path

import pytest

from flowtop import flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.widgets.no_rows import no_rows_text, wrapped
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace

S = StateType


@task(max_retries=0)
def work(i: int) -> int:
    if i % 7 == 3:
        raise ValueError(f"bad {i}")
    return i


@flow(name="leaf-mh62")
def leaf(i: int = 0) -> int:
    return work(i)


@flow(name="root-mh62")
def root() -> int:
    total = 0
    for i in range(40):
        with contextlib.suppress(ValueError):
            total += leaf(i)
    return total


def parent_of(states: list[S]) -> RunModel:
    """An ended parent run with no task of its own, its subflow runs in ``states``."""
    parent = RunModel("root", (), run_id="p", number=1)
    parent.state = S.COMPLETED
    for n, state in enumerate(states, start=1):
        child = RunModel("leaf", (), run_id=f"c{n}", number=n)
        child.state = state
        parent.children.append(child)
    return parent


LISTED = re.compile(r"[✓✗] leaf #(\d+)")


@pytest.mark.parametrize("width", [40, 79, 119])
def test_a_cut_list_ends_between_runs_and_counts_the_rest(width: int) -> None:
    states = [S.FAILED if n % 7 == 3 else S.COMPLETED for n in range(40)]
    lines = wrapped(no_rows_text(parent_of(states)), width)
    text = " ".join(lines)
    assert len(lines) == 4 and all(len(line) <= width for line in lines), lines
    listed = LISTED.findall(text)
    more = re.search(r", \+(\d+) more$", lines[-1])
    assert more is not None, lines
    assert len(listed) + int(more.group(1)) == 40, lines
    assert "…" not in text
    assert text.count("✗") == min(6, len(listed))  # the failed ones first


def test_a_list_that_fits_says_no_more() -> None:
    lines = wrapped(no_rows_text(parent_of([S.COMPLETED, S.FAILED])), 80)
    assert lines == [
        "No task of its own; its subflows ran as runs of their own: ✗ leaf #2, ✓ leaf #1"
    ]


def test_another_text_too_long_still_ends_in_an_ellipsis() -> None:
    lines = wrapped("word " * 100, 20)
    assert len(lines) == 4 and lines[-1].endswith("…")


@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
async def test_the_monitor_cuts_forty_subflow_runs_between_two(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    app = FlowtopApp(FakeWorkspace(tmp_path, {"root-mh62": root, "leaf-mh62": leaf}))
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        app.flow_list.select_flow("root-mh62")
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: (
                app.table.run is not None
                and app.table.run.flow == "root-mh62"
                and app.table.run.state is S.COMPLETED
                and len(app.table.run.children) == 40
            ),
            "root to end",
        )
        await wait_for(pilot, lambda: " more" in screen_text(app), "the list's count of the rest")
        text = screen_text(app)
        listed = re.findall(r"[✓✗] leaf-mh62 #(\d+)", text)
        more = re.search(r"\+(\d+) more", text)
        assert more is not None and len(listed) + int(more.group(1)) == 40, text
        assert re.search(r"leaf-mh62 #\d+…", text) is None, text
        assert listed[:6] and all(
            f"✗ leaf-mh62 #{n}" in text for n in listed[: min(6, len(listed))]
        )
