"""Five looks of the monitor an explorer found wrong (session 46).

- At 80 columns the header's counts were cut (`▶ 1 runni…`, ⟳ and … lost) where their
  short forms fit: only a filter made the notes shorten.
- Once a run edited mid-run ended, its rows named only the next run's policy.
- An attempt that failed and whose wait a cancel ended showed ■ in the pane, ✗ in the
  history.
- The history list said `✓ 3  ✗ 1 (3 reused)`: the reused tasks read as the failed one.
- A long policy value wrapped and left its layer alone on the next line.
"""

from __future__ import annotations

from rich.console import Console

from flowtop.engine.events import ErrorInfo
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import AttemptView, RunModel
from flowtop.tui.row_views import state_counts_text as counts_text
from flowtop.tui.widgets.detail_pane import body_text
from flowtop.tui.widgets.run_header import Note, fit_notes
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, edit_waiter, run_demo, wait_in_retry

S = StateType


def test_counts_too_long_for_the_header_take_their_short_form_without_a_filter() -> None:
    counts = Note(
        (
            "✓ 1 completed  ✗ 1 failed  ⊘ 1 upstream failed  ▶ 1 running  ⟳ 1 retry  … 1 pending",
            "✓ 1  ✗ 1  ⊘ 1  ▶ 1  ⟳ 1  … 1",
        ),
        style="",
    )
    auto = Note(("auto-rerun on save: on", "auto-rerun", ""), sep="  ")
    assert [text for _, text in fit_notes([counts], 60)] == ["✓ 1  ✗ 1  ⊘ 1  ▶ 1  ⟳ 1  … 1"]
    words = [text for _, text in fit_notes([counts, auto], 60)]
    assert words == ["✓ 1  ✗ 1  ⊘ 1  ▶ 1  ⟳ 1  … 1", "auto-rerun"], words
    lone = Note(("✓ 3 completed", "✓ 3"), style="")
    assert [text for _, text in fit_notes([lone], 20)] == ["✓ 3 completed"]  # fits: stays long


async def test_the_header_counts_take_their_short_form_without_a_filter(
    workspace: FakeWorkspace,
) -> None:
    """The demo's `✓ 3 completed  ✗ 1 failed  ⊘ 1 upstream failed` in a 40-cell header."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(60, 24)) as pilot:
        await run_demo(pilot, app)
        await pilot.pause()
        assert app.header.size.width < 45
        second = header_line(app)
        assert second == "✓ 3  ✗ 1  ⊘ 1", second
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(90, 24)) as pilot:  # room for the long form: it stays
        await run_demo(pilot, app)
        await pilot.pause()
        assert header_line(app) == "✓ 3 completed  ✗ 1 failed  ⊘ 1 upstream failed"


def header_line(app: FlowtopApp) -> str:
    """The run header's second line as drawn."""
    assert app.header._shown is not None
    return app.header._shown.plain.splitlines()[1]


async def test_an_ended_run_edited_mid_wait_still_names_its_own_policy(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_in_retry(pilot, app)
        await edit_waiter(pilot, app, workspace)
        await pilot.press("c", "y")
        await wait_for(
            pilot, lambda: app.table.run is not None and not app.table.run.is_live, "the cancel"
        )
        await pilot.pause()
        text = screen_text(app)
        line = next(ln for ln in text.splitlines() if ln.lstrip("▕ ").startswith("waiter"))
        assert "≠ 3× 1m00s → 1× 2s" in line, line
        assert "Retry policy for this run" in text and "Retry policy for the next run" in text


def test_an_attempt_whose_wait_was_cancelled_shows_as_failed_in_the_pane() -> None:
    run = RunModel("slow", ["fetch"], run_id="r1", max_attempts=[4], policies=["3× 30s"])
    row = run.rows["fetch"]
    row.add_attempt(
        AttemptView(
            number=1,
            state=S.CANCELLED,
            started=0.0,
            duration=0.001,
            error=ErrorInfo("ValueError", "boom"),
            retry_in=30.0,
        )
    )
    line = next(ln for ln in body_text(row, None).plain.splitlines() if "#1" in ln)
    assert "✗" in line and "■" not in line, line


def test_the_history_list_says_reused_after_the_completed_count() -> None:
    counts = {S.COMPLETED.value: 3, S.FAILED.value: 1}
    assert counts_text(counts, 3) == "✓ 3 (3 reused)  ✗ 1"
    assert counts_text(counts) == "✓ 3  ✗ 1"


def test_a_long_policy_value_is_cut_so_its_layer_stays_on_its_line() -> None:
    run = RunModel("etl", ["extract"], run_id=None)
    policy = {
        "max_retries": ("4", "task"),
        "retry_on": ("ConnectionError, TooManyRequests", "task"),
        "retry_predicate": ("unset", "builtin"),
    }
    console = Console(width=58, record=True, color_system=None)
    console.print(body_text(run.rows["extract"], policy).renderable())
    lines = console.export_text().splitlines()
    line = next(ln for ln in lines if "retry_on" in ln)
    assert line.rstrip().endswith("…  · task"), lines
    assert not any(ln.strip() == "task" for ln in lines), lines
    # room for it all: the value stays whole
    wide = Console(width=120, record=True, color_system=None)
    wide.print(body_text(run.rows["extract"], policy).renderable())
    assert "ConnectionError, TooManyRequests  · task" in wide.export_text()
