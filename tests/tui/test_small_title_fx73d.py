"""Two small layout defects at narrow sizes (fx73d).

- At 40×12 the detail pane's title cut a 9-cell task name (``lon…it  ⟳ Retry in 11.8s``)
  while the table row above it shortened its state (``long_wait ⟳ in 11.8s``): the state's
  words shorten first now, as STATE's do (``state_cell``), before a name of up to 20
  cells is cut (docs/monitor.md).
- A flow with no task rows (a ``@flow`` whose work is all in subflows, here one with no
  task at all) showed the table's sort note (``sort: duration ▼``) and filter note in
  its header: neither says anything there. A filter that matches none of a run's rows
  still says so.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import TaskRow
from flowtop.tui.widgets.detail_pane import title_text
from pilot_kit import screen_text, wait_for, wait_for_text

from .conftest import FakeWorkspace

S = StateType


def heading(app: FlowtopApp) -> str:
    return str(app.detail.title_line.render()).rstrip()


def header_text(app: FlowtopApp) -> str:
    """The run header's lines as drawn (the flows pane's cells left out)."""
    region = app.header.content_region
    lines = screen_text(app).splitlines()[region.y : region.bottom]
    return "\n".join(line[region.x : region.right] for line in lines)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """Set at the end of a test: the retried task's wait is cut short, its run ends."""
    event = threading.Event()
    yield event
    event.set()


def waiting_flow(release: threading.Event) -> Flow:
    """``long_wait`` fails and waits 15 s to retry, up to 5 times (``1/6``)."""

    @task(max_retries=5, retry_delay=15)
    def long_wait() -> str:
        if not release.is_set():
            raise ConnectionError("not yet")
        return "done"

    flow = Flow("waits")
    flow.add_task(long_wait)
    return flow


async def test_at_40x12_the_title_shortens_the_state_before_it_cuts_the_name(
    tmp_path: Path, release: threading.Event
) -> None:
    workspace = FakeWorkspace(tmp_path, {"waits": waiting_flow(release)})
    app = FlowtopApp(workspace)
    try:
        async with app.run_test(size=(40, 12)) as pilot:
            await pilot.pause()
            await pilot.press("r")
            await wait_for(
                pilot,
                lambda: (
                    app.table.run is not None
                    and app.table.run.rows["long_wait"].state is S.AWAITING_RETRY
                ),
                "the retry wait",
            )
            assert app.table.move_to("long_wait")
            await wait_for(pilot, lambda: "⟳ in " in heading(app), "the title's short state")
            title = heading(app)
            assert title.startswith("long_wait  ⟳ in "), title  # was `lon…it  ⟳ Retry in 11.8s`
            assert len(title) <= app.detail.title_line.size.width, title
            await pilot.resize_terminal(80, 24)  # room for the whole state again
            await wait_for(pilot, lambda: "⟳ Retry in " in heading(app), "the whole state")
            assert heading(app).startswith("long_wait  ⟳ Retry in "), heading(app)
            release.set()
    finally:
        release.set()
        for runner in workspace.runners:
            runner.shutdown(wait=True)


def retrying(key: str) -> TaskRow:
    row = TaskRow(key, 0, S.AWAITING_RETRY, 6)
    row.attempt, row.retry_due = 1, 111.8
    return row


@pytest.mark.parametrize("width", range(21, 36))
def test_a_name_of_up_to_20_cells_is_kept_while_the_state_can_shorten(width: int) -> None:
    title = title_text(retrying("long_wait"), 100.0, width=width).plain
    assert title.startswith("long_wait  ⟳ "), (width, title)
    assert len(title) <= width, (width, title)
    if width < len("long_wait  ⟳ Retry in 11.8s"):
        assert title.startswith("long_wait  ⟳ in 11.8s"), (width, title)


def test_a_name_longer_than_20_cells_still_gives_way_first() -> None:
    key = "fetch_customer_orders_for_every_region"  # 38 cells: kept to 20, then cut
    title = title_text(retrying(key), 100.0, width=34).plain
    assert title.endswith("  ⟳ in 11.8s") and "…" in title, title
    assert len(title) <= 34, title
    whole = title_text(retrying(key), 100.0, width=80).plain  # room: the state whole
    assert whole.startswith(f"{key}  ⟳ Retry in 11.8s"), whole


@task
def extract() -> int:
    return 1


@task
def load() -> int:
    return 2


async def test_no_sort_or_filter_note_on_a_flow_without_task_rows(tmp_path: Path) -> None:
    with Flow("etl") as etl:
        extract()
        load()
    parent = Flow("parent")  # no task of its own
    app = FlowtopApp(FakeWorkspace(tmp_path, {"etl": etl, "parent": parent}))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        app.flow_list.select_flow("etl")
        await wait_for(pilot, lambda: app.table.keys == ["extract", "load"], "etl's rows")
        app.table.focus()
        await pilot.press("s", "s", "s")  # state, name, duration
        await wait_for(pilot, lambda: "sort: duration" in header_text(app), "the sort note")
        await pilot.press("slash", "z", "enter")  # a filter that matches no row
        said = await wait_for_text(pilot, app, "filter: z (0 of 2)")
        assert "No tasks match the filter" in said, said

        app.flow_list.select_flow("parent")
        await wait_for(
            pilot,
            lambda: app.table.run is not None and app.table.run.flow == "parent",
            "parent shown",
        )
        await wait_for(pilot, lambda: "sort:" not in header_text(app), "no sort note")
        header = header_text(app)
        assert "filter:" not in header and "/z" not in header, header
        assert "No tasks match the filter" not in screen_text(app), screen_text(app)

        app.flow_list.select_flow("etl")  # rows again: the notes again
        await wait_for_text(pilot, app, "sort: duration", "filter: z (0 of 2)")


async def test_a_filter_set_on_another_flow_shows_no_unmatched_row_here(tmp_path: Path) -> None:
    """The flow switched to opened on the row its cursor had last, shown though the filter
    matched none of its rows: ``filter: z (0 of 2)`` over a row (the cursor's row is held
    only while the cursor is on it in the same flow)."""
    with Flow("etl") as etl:
        extract()
        load()
    parent = Flow("parent")
    app = FlowtopApp(FakeWorkspace(tmp_path, {"etl": etl, "parent": parent}))
    async with app.run_test(size=(120, 36)) as pilot:
        await wait_for(pilot, lambda: app.control is not None, "the app to be ready")
        app.flow_list.select_flow("etl")
        await wait_for(pilot, lambda: app.table.keys == ["extract", "load"], "etl's rows")
        app.flow_list.select_flow("parent")
        await wait_for(
            pilot, lambda: app.table.run is not None and app.table.run.flow == "parent", "parent"
        )
        app.table.focus()
        await pilot.press("slash", "z", "enter")  # set where no row is
        app.flow_list.select_flow("etl")
        await wait_for(
            pilot, lambda: app.table.run is not None and app.table.run.flow == "etl", "etl"
        )
        said = await wait_for_text(pilot, app, "filter: z (0 of 2)")
        assert app.table.keys == [], app.table.keys
        assert "No tasks match the filter" in said, said
