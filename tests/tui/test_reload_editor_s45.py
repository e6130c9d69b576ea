"""Hot reload and the retry editor, as a user met them (session 45).

- A task added to the code (or renamed, or brought back by ``git checkout``) could not
  be reached with `e` until the flow ran again: the table kept the shown run's rows only,
  and the row of the renamed task opened an editor with nothing to save.
- After a `(gone)` flow came back, the key bar lacked `r f e t` until the cursor moved.
- A live run's row read ``TRY 1/6`` beside the next run's ``POLICY 1× 2s``.
- Comments of a hand-written ``overrides.toml`` went without a word; seconds past a year
  and a ``max_retries`` past any 64-bit integer were taken; the first load of a
  workspace with a broken ``flowtop.toml`` said "Reloaded …; Reloaded settings".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.engine import Flow, task
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.code_rows import GONE, NOT_IN_RUN, follow_code, policy_cell
from flowtop.tui.model import RunModel
from flowtop.tui.screens.retry_editor import RetryEditor, saved_text
from flowtop.tui.screens.retry_form import read_form
from flowtop.tui.widgets.task_table import fit
from flowtop.workspace.changes import WorkspaceChanged
from flowtop.workspace.load_error import LoadError
from flowtop.workspace.overrides import HEADER, has_comments
from flowtop.workspace.settings import MAX_RETRIES, SettingsError, check_value
from pilot_kit import screen_text, wait_for

from .conftest import FakeWorkspace, edit_waiter, reload, run_demo, wait_in_retry

S = StateType
SIZE = (120, 36)


def renamed_demo() -> Flow:
    """``demo`` after `flaky` was renamed `flaky3` in the code (and `broken` removed)."""

    @task
    def extract() -> int:
        return 1

    @task(max_retries=4)
    def flaky3() -> str:
        return "ok"

    @task
    def load(a: int, b: str) -> str:
        return f"{a}{b}"

    with Flow("demo") as flow:
        load(extract(), flaky3())
    return flow


async def test_a_task_new_in_the_code_is_listed_beside_a_finished_run(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await run_demo(pilot, app)
        workspace.flows["demo"] = renamed_demo()
        await reload(pilot, app, workspace, "Reloaded demo.py (1 flow)")
        run = app.table.run
        assert run is not None and run.state is S.FAILED  # the run shown stays
        assert app.table.keys == ["extract", "flaky3", "flaky", "load", "broken", "report"]
        assert run.rows["flaky3"].code_mark == NOT_IN_RUN and run.rows["flaky3"].state is None
        assert run.rows["flaky"].code_mark == GONE and run.rows["broken"].code_mark == GONE
        text = screen_text(app)
        assert "flaky (gone)" in text and "· Not run" in text and NOT_IN_RUN in text, text
        assert run.counts[None] == 1  # the header counts no new row as a state
        assert app.table.move_to("flaky")  # gone from the code: nothing to edit or rerun
        await wait_for(pilot, lambda: "e Edit retry" not in footer(app), "e to leave")
        assert "t Rerun task" not in footer(app), footer(app)
        assert app.table.move_to("flaky3")
        await wait_for(pilot, lambda: "e Edit retry" in footer(app), "e on the new task")
        assert "t Rerun task" in footer(app), footer(app)  # it runs, what feeds it reused
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        assert isinstance(app.screen, RetryEditor) and not app.screen.gone
        await pilot.press("ctrl+u", "7", "ctrl+s")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the editor to save")
        assert workspace.overrides[("demo", "flaky3")] == {"max_retries": 7}


def footer(app: FlowtopApp) -> str:
    return screen_text(app).splitlines()[-1]


def test_following_the_code_again_drops_the_rows_it_added_and_unmarks_a_task_back() -> None:
    run = RunModel("demo", ["fetch", "ok", "after"], run_id="r1")
    assert follow_code(run, ["fetch3", "ok", "after"])
    assert run.order == ["fetch3", "fetch", "ok", "after"]
    assert [run.rows[k].index for k in run.order] == [0, 1, 2, 3]
    assert run.rows["fetch"].code_mark == GONE
    # `git checkout slow.py`: fetch is back, fetch3 is gone from the code again
    assert follow_code(run, ["fetch", "ok", "after"])
    assert run.order == ["fetch", "ok", "after"] and "fetch3" not in run.rows
    assert all(not row.code_mark for row in run.rows.values())
    assert run.counts[None] == 0
    assert not follow_code(run, ["fetch", "ok", "after"])  # nothing changed: no re-layout


def test_tasks_added_together_keep_the_code_s_order() -> None:
    """n2 and n3 went to the end: each was placed after the key before it, a new one."""
    run = RunModel("f", ["a", "b"], run_id="r1")
    assert follow_code(run, ["a", "n1", "n2", "n3", "b"])
    assert run.order == ["a", "n1", "n2", "n3", "b"]
    assert [run.rows[k].index for k in run.order] == [0, 1, 2, 3, 4]
    assert not follow_code(run, ["a", "n1", "n2", "n3", "b"])


def test_a_live_run_row_names_its_own_policy_and_the_next_runs_when_they_differ() -> None:
    run = RunModel("slow", ["fetch"], run_id="r1", max_attempts=[6], policies=["5× 20s"])
    row = run.rows["fetch"]
    assert policy_cell(row, "1× 2s", live=True) == "≠ 5× 20s → 1× 2s"
    assert policy_cell(row, "5× 20s", live=True) == "5× 20s"
    assert policy_cell(row, "1× 2s", live=False) == "1× 2s"  # ended: what `f` reruns with


def test_a_cut_policy_cell_still_says_the_run_s_policy_differs() -> None:
    """At 120 columns POLICY was 18 cells: `5× 20s timeout 5s (next: 1× 2s)` showed as
    `5× 20s timeout 5s…`, the same as a run whose policy was never edited. (POLICY is
    now as wide as its text, up to ``POLICY_CAP``: a narrow terminal still cuts it.)"""
    policies = ["5× 20s timeout 5s"]
    run = RunModel("slow", ["fetch"], run_id="r1", max_attempts=[6], policies=policies)
    width = 18
    cell = fit(policy_cell(run.rows["fetch"], "1× 2s", live=True), width)
    assert cell.startswith("≠ 5× 20s") and cell.endswith("…"), cell


async def test_a_live_run_row_shows_its_policy_after_an_edit_mid_wait(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(160, 36)) as pilot:
        await wait_in_retry(pilot, app)
        await edit_waiter(pilot, app, workspace)
        line = next(ln for ln in screen_text(app).splitlines() if "waiter" in ln)
        assert "1/4" in line and "≠ 3× 1m00s → 1× 2s" in line, line


async def test_the_key_bar_offers_the_run_keys_again_when_a_gone_flow_comes_back(
    workspace: FakeWorkspace,
) -> None:
    app = FlowtopApp(workspace, watch=True)
    async with app.run_test(size=(160, 36)) as pilot:
        await run_demo(pilot, app)
        demo = workspace.flows.pop("demo")  # renamed in the code
        await reload(pilot, app, workspace, "Removed flow demo")
        await wait_for(pilot, lambda: "Edit retry" not in screen_text(app), "the keys to go")
        workspace.flows = {"demo": demo, **workspace.flows}  # `git checkout` brings it back
        await reload(pilot, app, workspace, "Reloaded demo.py (1 flow)")
        footer = screen_text(app).splitlines()[-1]
        assert "Run" in footer and "Edit retry" in footer, footer


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("timeout", "31536001"),
        ("retry_deadline", "1e9"),
        ("retry_delay", "40000000"),
        ("retry_delay", "1, 40000000"),
    ],
)
def test_seconds_past_a_year_are_flagged_as_typed(field: str, text: str) -> None:
    state = read_form({field: text}, {})
    assert "at most 365 days" in state.errors[field], state.errors


def test_a_year_of_seconds_is_still_taken() -> None:
    state = read_form({"timeout": "31536000", "retry_deadline": "31536000"}, {})
    assert state.valid and state.values == {"timeout": 31536000, "retry_deadline": 31536000}


def test_max_retries_past_the_bound_is_refused_by_the_editor_and_the_settings() -> None:
    state = read_form({"max_retries": "99999999999999999999"}, {})
    assert f"at most {MAX_RETRIES:,}" in state.errors["max_retries"], state.errors
    assert read_form({"max_retries": str(MAX_RETRIES)}, {}).valid
    table = ("flows", "etl", "tasks", "extract")
    with pytest.raises(SettingsError, match="max_retries must be at most 1,000,000, got int 9999"):
        check_value(table, "max_retries", 99999999999999999999)
    assert check_value(table, "max_retries", MAX_RETRIES) == MAX_RETRIES


def test_comments_of_a_hand_written_overrides_file_are_seen() -> None:
    assert has_comments('[flows."etl".tasks."x"]\nmax_retries = 3  # for the 429s\n')
    assert has_comments("# mine\n[flows]\n")
    assert not has_comments(HEADER + '[flows."etl".tasks."x"]\nmax_retries = 3\n')
    assert not has_comments('[flows."a#b".tasks."x"]\nretry_on = ["E"]\nname = \'#\'\n')
    assert not has_comments('x = """\n# not a comment\n"""\n')
    assert has_comments('x = "a\\"#"  # one\n')


def test_the_save_toast_says_the_comments_were_not_kept() -> None:
    said = saved_text("etl", "x", {"max_retries": 3}, comments_lost=True)
    assert said.endswith("; comments in overrides.toml were not kept"), said
    assert "comments" not in saved_text("etl", "x", {"max_retries": 3})


async def test_saving_over_a_commented_overrides_file_says_so(
    workspace: FakeWorkspace, tmp_path: Path
) -> None:
    workspace.state_dir.mkdir()
    (workspace.state_dir / "overrides.toml").write_text(
        '# why: the API rate-limits us\n[flows."demo".tasks."flaky"]\nmax_retries = 2\n'
    )
    app = FlowtopApp(workspace, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.table.move_to("flaky")
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, RetryEditor), "the editor")
        await pilot.press("ctrl+u", "5", "ctrl+s")
        await wait_for(pilot, lambda: len(app.screen_stack) == 1, "the editor to save")
        said = [n.message for n in app._notifications]
        assert any("comments in overrides.toml were not kept" in m for m in said), said


def test_the_first_load_says_loaded_and_not_that_the_settings_reloaded(tmp_path: Path) -> None:
    error = LoadError(tmp_path / "flowtop.toml", 3, None, "invalid TOML")
    change = WorkspaceChanged(
        modules=("f01.py", "f02.py"), flows=("a", "b", "c"), errors=(error,), settings_changed=True
    )
    said = change.first_load().summary()
    assert said == f"{error}; loaded 3 flows from 2 files", said
    assert (
        "Reloaded" not in WorkspaceChanged(flows=("a",), modules=("f.py",)).first_load().summary()
    )
    # a reload still says what it did
    assert change.summary().endswith("; reloaded settings")
