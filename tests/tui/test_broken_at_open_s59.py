"""A flow file broken as the monitor opens: its flows with runs in the store are listed.

The monitor listed ``✗ etl.py`` only: ``etl`` had never loaded in it, so its two runs,
``h`` and ``f`` could not be reached from the main screen until the file was fixed
(README: "Its flows stay listed as they last loaded", true only within a session).
They are listed as they last ran (their newest run shown), not ``(gone)``; ``r`` and
``f`` say the file is broken, with its error and line.

And at 160 columns TRY was 18 cells for ``3``, ``1`` and ``1/2``: sized by the budgets'
long form (``1/1 (+3 on Retry)``), which a cached row never reads. An ended run's TRY is
as wide as its rows read.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from flowtop.engine.events import RunFinished, RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunModel
from flowtop.tui.run_store import RunStore
from flowtop.tui.screens.history import HistoryScreen
from flowtop.tui.widgets.task_table import TaskTable
from flowtop.workspace.remote_workspace import RemoteWorkspace
from pilot_kit import screen_text, toasts_said, wait_for

SIZE = (120, 30)
S = StateType

ETL = textwrap.dedent(
    """\
    from flowtop import Flow, task


    @task
    def extract():
        return 1


    with Flow("etl") as flow:
        extract()
    """
)

OTHER = ETL.replace('Flow("etl")', 'Flow("other")')


def listed(app: FlowtopApp) -> list[str]:
    """The flows list's rows, by id."""
    options = (app.flow_list.get_option_at_index(i) for i in range(app.flow_list.option_count))
    return [o.id or "" for o in options]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """etl.py, run twice to its end, then broken (a syntax error on line 11); other.py."""
    (tmp_path / "etl.py").write_text(ETL)
    (tmp_path / "other.py").write_text(OTHER)
    for _ in range(2):
        subprocess.run(
            [sys.executable, "-m", "flowtop", "run", "etl.py", "--quiet"],
            cwd=tmp_path,
            check=True,
            capture_output=True,
            timeout=60,
        )
    (tmp_path / "etl.py").write_text(ETL + "def broken(:\n")
    return tmp_path


@pytest.mark.parametrize("opened_on", ["", "etl.py"])
async def test_a_file_broken_at_open_lists_its_flows_with_their_runs(
    folder: Path, opened_on: str
) -> None:
    workspace = RemoteWorkspace(folder / opened_on if opened_on else folder)
    try:
        app = FlowtopApp(workspace, load=True, run_processes=True, watch=False)
        async with app.run_test(size=SIZE, notifications=True) as pilot:
            await wait_for(
                pilot,
                lambda: not app.first_loading and "flow:etl" in listed(app),
                "etl listed beside its broken file",
                20,
            )
            broken = f"error:{folder / 'etl.py'}"
            assert listed(app) == (["flow:other"] if not opened_on else []) + ["flow:etl", broken]
            app.flow_list.focus()
            app.flow_list.select_flow("etl")
            await wait_for(pilot, lambda: app.selected_flow == "etl", "etl selected")
            await pilot.pause()
            text = screen_text(app)
            assert "run #2" in text and "(gone)" not in text  # its newest run, as it ran
            with toasts_said(app) as said:
                await pilot.press("r")
                await wait_for(pilot, lambda: len(said) == 1, "r refused")
                await pilot.press("f")
                await wait_for(pilot, lambda: len(said) == 2, "f refused")
            for words in said:
                assert "etl cannot run: its file etl.py failed to load" in words
                assert "etl.py:11:" in words and "SyntaxError" in words
            await pilot.press("end")  # the file's row: its key words name etl too
            await wait_for(pilot, lambda: app.selected_error is not None, "the file's row")
            with toasts_said(app) as said:
                await pilot.press("r")
                await wait_for(pilot, lambda: said, "r on the file's row")
            assert "its flows with runs are listed as they last ran (etl)" in said[0], said
            app.flow_list.select_flow("etl")
            await wait_for(pilot, lambda: app.selected_flow == "etl", "etl selected again")
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen), "h's history")
            app.shutdown()
    finally:
        workspace.close()


def _cached_run(*, ended: bool) -> RunModel:
    """etl #2: two tasks served from the cache (3 and 1 attempts where they ran), whose
    budgets only Retry spends (``1/1 (+3 on Retry)`` long), and one that ran twice."""
    policies = ("3× on Retry only", "3× on Retry only", "1× 0s")
    store = RunStore()
    events: list[object] = [
        RunStarted("r2", "etl", 2, ("a", "b", "c"), (4, 4, 2), policies, "r1", 1.0),
        TaskStateChanged("r2", "etl", "a", S.COMPLETED, 3, 4, 1.0, reused=True),
        TaskStateChanged("r2", "etl", "b", S.COMPLETED, 1, 4, 1.0, reused=True),
        TaskStateChanged("r2", "etl", "c", S.COMPLETED, 1, 2, 1.0),
    ]
    if ended:
        events.append(RunFinished("r2", "etl", 2, S.COMPLETED, {"COMPLETED": 3}, 1.0, ts=2.0))
    store.apply_batch(events)  # type: ignore[arg-type]  # (the store's events)
    run = store.latest_for("etl")
    assert run is not None
    return run


@pytest.mark.parametrize("width", [80, 120, 160])
def test_try_is_as_wide_as_an_ended_runs_tries_read(width: int) -> None:
    run = _cached_run(ended=True)
    assert [run.rows[k].attempt_text() for k in "abc"] == ["3", "1", "1/2"]
    table = TaskTable()
    table.run = run
    table.meter.measure(run, lambda row: row.policy)
    assert table.columns(width).attempts == len("TRY")  # was 17 ("1/1 (+3 on Retry)")


def test_a_live_runs_try_keeps_room_for_its_budgets() -> None:
    """Live, a row may yet read ``1/1 (+3 on Retry)``: the column does not widen mid-run."""
    run = _cached_run(ended=False)
    table = TaskTable()
    table.run = run
    table.meter.measure(run, lambda row: row.policy)
    assert table.columns(160).attempts == len("1/1 (+3 on Retry)")
