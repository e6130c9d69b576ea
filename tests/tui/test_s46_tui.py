"""Three small flaws of the monitor, as explorers met them (session 46).

- At 80 columns the filter's header line was cut at its end, so its count of matching
  rows (``(3 of 5)``), the one thing it is there to say, was lost.
- `e` on a ``(gone)`` row (a task the reloaded code no longer has; the footer leaves `e`
  out there) opened a retry editor with every field disabled, not a one-line reason.
- The detail pane named only the next run's retry policy, while the table's POLICY
  cell of a live run edited mid-run showed both (``≠ 3× 1m00s → 1× 2s``).
"""

from __future__ import annotations

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.screens.retry_editor import RetryEditor
from flowtop.tui.widgets.detail_pane import body_text
from flowtop.tui.widgets.run_header import Note, fit_notes
from pilot_kit import screen_text, toasts_said, wait_for

from .conftest import FakeWorkspace, edit_waiter, reload, run_demo, wait_in_retry

S = StateType


def header_lines(app: FlowtopApp) -> str:
    """The run header's two lines as drawn (the flows list beside them included)."""
    return "\n".join(screen_text(app).splitlines()[:2])


# -- 1: the filter's count stays on the header at 80 columns ---------------------------


def test_the_filter_count_stays_whole_and_the_other_notes_shorten_first() -> None:
    counts = Note(("✓ 3 completed  ✗ 1 failed", "✓ 3  ✗ 1"), style="")
    sort = Note(("sort: state ▲", "state ▲", ""), sep="  ")
    query = Note(("filter: extract",), tail=" (2 of 4)", sep="  ")
    auto = Note(("auto-rerun on save: on", "auto-rerun", ""), sep="  ")
    words = [text for _, text in fit_notes([counts, sort, query, auto], 60)]
    # every other note shortened (the counts' words went, their numbers stayed)
    assert words == ["✓ 3  ✗ 1", "state ▲", "filter: extract (2 of 4)", "auto-rerun"], words
    wide = [text for _, text in fit_notes([counts, sort, query, auto], 200)]
    assert wide[0] == "✓ 3 completed  ✗ 1 failed" and wide[-1] == "auto-rerun on save: on"
    # A query too long for any room left: it is cut, its count is not.
    long = Note(("filter: " + "x" * 80,), tail=" (0 of 4)", sep="  ")
    fitted = fit_notes([counts, sort, long, auto], 60)
    line = "".join((n.sep if i else "") + text for i, (n, text) in enumerate(fitted))
    assert line.endswith("x… (0 of 4)") and len(line) <= 60, line


async def test_the_filter_count_is_on_the_header_at_80_columns(workspace: FakeWorkspace) -> None:
    """A sort, auto-rerun and the demo's three states took the line: `filter: fla (1…`
    lost the count. A resize fits the line again (an ended run is not asked again)."""
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await run_demo(pilot, app)
        await pilot.press("s", "a", "slash", "f", "l", "a")
        await wait_for(pilot, lambda: "filter: fla (1 of 5)" in header_lines(app), "the count")
        second = header_lines(app).splitlines()[1]
        assert not second.rstrip().endswith("…"), second  # shortened, not cut
        assert "✓ 3  ✗ 1" in second and "auto-rerun" in second, second
        await pilot.resize_terminal(160, 24)
        await wait_for(pilot, lambda: "3 completed" in header_lines(app), "the words back")
        assert "sort: state" in header_lines(app) and "auto-rerun on save: on" in header_lines(app)
        await pilot.resize_terminal(80, 24)
        await wait_for(pilot, lambda: "3 completed" not in header_lines(app), "shorter words")
        assert "filter: fla (1 of 5)" in header_lines(app)


# -- 2: `e` on a (gone) row says why in one line ---------------------------------------


def without_flaky() -> Flow:
    """``demo`` after `flaky` was deleted from its code (`load` takes a constant)."""

    @task
    def extract() -> int:
        return 1

    @task
    def load(a: int) -> str:
        return f"{a}"

    with Flow("demo") as flow:
        load(extract())
    return flow


async def test_edit_on_a_gone_row_says_why_instead_of_opening_a_dead_editor(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await run_demo(pilot, app)
        workspace.flows["demo"] = without_flaky()
        await reload(pilot, app, workspace, "Reloaded demo.py (1 flow)")
        assert app.table.move_to("flaky")
        await pilot.pause()
        assert "flaky (gone)" in screen_text(app)
        with toasts_said(app) as toasts:
            await pilot.press("e")
            await wait_for(pilot, lambda: toasts, "a toast")
        assert not isinstance(app.screen, RetryEditor)
        said = toasts[-1]
        assert said == "Task flaky is no longer in demo: nothing to edit", said
        assert "\n" not in said


# -- 3: the detail pane names this run's policy beside the next run's -----------------


def test_the_pane_shows_this_runs_policy_above_the_next_runs_when_given() -> None:
    run = RunModel("slow", ["fetch"], run_id="r1", max_attempts=[6], policies=["5× 20s"])
    next_run = {"max_retries": ("1", "overrides"), "retry_delay": ("2s", "overrides")}
    text = body_text(run.rows["fetch"], next_run, this_run="5× 20s").plain
    mine = text.index("Retry policy for this run")
    assert text.index("5× 20s", mine) < text.index("Retry policy for the next run") > mine
    plain = body_text(run.rows["fetch"], next_run).plain
    assert "this run" not in plain and "Retry policy for the next run" in plain


async def test_the_pane_of_a_live_run_edited_mid_wait_names_both_policies(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(160, 60)) as pilot:
        await wait_in_retry(pilot, app)
        assert "Retry policy for this run" not in screen_text(app)  # not edited yet
        await edit_waiter(pilot, app, workspace)
        await wait_for(pilot, lambda: "Retry policy for this run" in screen_text(app), "both")
        lines = screen_text(app).splitlines()
        mine = next(i for i, ln in enumerate(lines) if "Retry policy for this run" in ln)
        assert "3× 1m00s" in lines[mine + 1], lines[mine : mine + 2]
        assert any("Retry policy for the next run" in ln for ln in lines[mine + 2 :])
