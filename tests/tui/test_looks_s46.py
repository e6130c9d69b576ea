"""One order for a run's counts and one look for a stored state, whichever screen shows
them; errors the history page, the detail pane and the flow shapes used to swallow are
raised or said (issue 17 item 5)."""

from __future__ import annotations

import logging
import sqlite3
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from textual._context import active_app
from textual.app import App

from flowtop import Flow, task
from flowtop.engine.flow import Node
from flowtop.engine.policy import RetryPolicy
from flowtop.engine.states import StateType
from flowtop.formats import COUNT_ORDER, state_counts
from flowtop.looks import INTERRUPTED
from flowtop.tui.model import RunModel
from flowtop.tui.row_views import counts_text as header_counts
from flowtop.tui.row_views import state_counts_text as history_counts
from flowtop.tui.screens import run_detail as run_page
from flowtop.tui.screens.run_detail import RunDetailScreen, state_text
from flowtop.tui.widgets import detail_pane
from flowtop.tui.widgets.detail_pane import DetailPane
from flowtop.tui.widgets.state_colors import LOOK_STYLE, PLAIN_LOOK_STYLE
from flowtop.workspace.flow_shapes import ShapeMaker
from flowtop.workspace.history_records import HistoryError, RunDetail, RunRecord
from pilot_kit import wait_for

from .snapshot_apps import HostApp

#: One run with a task in every state a run's counts name.
COUNTS = {
    "PENDING": 2,
    "COMPLETED": 5,
    "FAILED": 1,
    "INTERRUPTED": 1,
    "RUNNING": 1,
    "AWAITING_RETRY": 3,
    "UPSTREAM_FAILED": 1,
    "CANCELLED": 1,
}


def live_model(counts: dict[str, int]) -> RunModel:
    """``counts`` as the live run model holds them: an interrupted task is a cancelled
    one, counted apart."""
    run = RunModel("etl", (), run_id="r", number=1)
    held: Counter[StateType | None] = Counter()
    for name, n in counts.items():
        held[StateType.CANCELLED if name == INTERRUPTED else StateType(name)] += n
    run.counts = held
    run.interrupted = counts.get(INTERRUPTED, 0)
    return run


def test_the_history_list_and_the_run_header_give_one_count_order() -> None:
    """The history list printed `… 2  ✓ 5  ✗ 1  ⚡ 1` where the header put ✓ first."""
    listed = history_counts(COUNTS)
    assert listed == "✓ 5  ✗ 1  ⊘ 1  ■ 1  ⚡ 1  ▶ 1  ⟳ 3  … 2"
    assert header_counts(live_model(COUNTS), short=True) == listed
    said = [word for part in state_counts(COUNTS).split(", ") for word in [part.split(" ", 1)[1]]]
    assert said == [name.lower().replace("_", " ") for name in COUNT_ORDER]


def test_a_state_unknown_to_this_flowtop_is_counted_last_by_its_name() -> None:
    assert history_counts({"BOGUS": 2, "PENDING": 1, "COMPLETED": 3}) == "✓ 3  … 1  Bogus 2"


@pytest.mark.parametrize(("styles", "style"), [(LOOK_STYLE, "yellow"), (PLAIN_LOOK_STYLE, "")])
def test_interrupted_takes_its_look_from_the_styles_given(
    styles: dict[str, str], style: str
) -> None:
    """Under NO_COLOR it was yellow all the same."""
    shown = state_text(INTERRUPTED, styles)
    assert (shown.plain, shown.style) == ("⚡ Interrupted", style)


def test_an_unknown_state_is_not_said_to_be_interrupted() -> None:
    """`BOGUS` read `⚡ Bogus` in yellow: the look of an interrupted run."""
    shown = state_text("BOGUS", LOOK_STYLE)
    assert (shown.plain, shown.style) == ("? Bogus", "")


class FailingHistory:
    """A live run's history whose every read raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.reads = 0

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return []

    def count(self, flow: str | None = None) -> int:
        return 0

    def run_detail(self, run_id: str) -> RunDetail:
        self.reads += 1
        raise self.error


LIVE = RunDetail(RunRecord("run-1", "etl", 1, "RUNNING", 10.0, None, None, None, None, {}, 0), ())


async def reads_after_failures(error: Exception, *, until: int | None = None) -> int:
    """How many times a live run's page read its run again when each read raised ``error``:
    once it has read ``until`` times (5 s at most), or else over about ten refreshes."""
    history = FailingHistory(error)
    app = HostApp(lambda: RunDetailScreen(LIVE, history))
    async with app.run_test(size=(80, 20)) as pilot:
        await wait_for(pilot, lambda: history.reads >= 1, "a first read", 5)
        if until is None:
            await pilot.pause(0.5)
        else:
            await wait_for(pilot, lambda: history.reads >= until, f"{until} reads", 5)
    return history.reads


@pytest.mark.parametrize(
    "error", [sqlite3.OperationalError("database is locked"), HistoryError("gone")]
)
async def test_a_store_that_cannot_be_read_now_is_read_again(
    error: Exception, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(run_page, "REFRESH", 0.05)
    assert await reads_after_failures(error, until=3) > 2
    assert not caplog.records


async def test_a_bug_while_following_a_run_is_logged_and_ends_the_reads(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Every refresh swallowed any error: a bug in ``run_detail`` went unseen."""
    monkeypatch.setattr(run_page, "REFRESH", 0.05)
    with caplog.at_level(logging.ERROR, logger="flowtop.tui.history"):
        assert await reads_after_failures(AttributeError("a bug")) == 1
    (record,) = caplog.records
    assert "run-1" in record.getMessage() and record.exc_info is not None


@pytest.fixture
def an_active_app() -> Iterator[None]:
    token = active_app.set(App())
    yield
    active_app.reset(token)


def test_a_detail_pane_outside_any_app_uses_the_colours() -> None:
    assert DetailPane().styles_now is LOOK_STYLE


def test_a_bug_in_the_detail_panes_looks_is_raised(
    an_active_app: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It was taken for "no app yet", and the pane drew in colours under NO_COLOR."""

    def broken(app: object) -> dict[str, str]:
        raise KeyError("colour_mode")

    monkeypatch.setattr(detail_pane, "looks", broken)
    with pytest.raises(KeyError, match="colour_mode"):
        _ = DetailPane().styles_now


def test_a_bug_in_policy_for_is_the_flows_error_not_the_codes_policy() -> None:
    """The code's policy read as the one in effect, with nothing said."""

    @task(max_retries=3)
    def only() -> None:
        pass

    with Flow("one") as one:
        only()

    def buggy(flow: Flow, node: Node) -> RetryPolicy:
        raise AttributeError("'Settings' object has no attribute 'taks'")

    shapes, broken = ShapeMaker(buggy).shape_all({"one": one}, {"one": Path("one.py")})
    assert shapes == {}
    assert "AttributeError: 'Settings' object has no attribute 'taks'" in broken["one"].message
