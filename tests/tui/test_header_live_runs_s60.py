"""The run header beside another live run of a flow that takes parameters (rv403 §6).

At 120 columns it read `✓ 2 completed (1 reused)  ▶ 1 running   2 live runs: w switches`:
the live runs' numbers and the run's `with region=…` were gone while the counts kept
their words, so one could not tell which of the two runs was shown. The counts' words
give way first; the run's parameters stay ahead of the live runs' numbers.
"""

from __future__ import annotations

from pathlib import Path

from flowtop import Flow, task
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType
from flowtop.tui.app import FlowtopApp
from flowtop.tui.model import RunStartedElsewhere
from flowtop.tui.widgets.run_header import Note, fit_notes, live_runs_note
from pilot_kit import wait_for

from .conftest import FakeWorkspace

S = StateType
PARAMETERS = '{"region": "x", "day": "2026-12-02"}'
TASKS = ("extract", "transform", "load")


def started(number: int) -> list[RunStarted | TaskStateChanged]:
    run_id = f"r{number}"
    start = RunStarted(
        run_id,
        "region-ingest",
        number,
        TASKS,
        (1, 1, 1),
        ("", "", ""),
        ts=float(number),
        parameters=PARAMETERS,
    )
    ts = float(number)
    return [
        RunStartedElsewhere(*start),
        TaskStateChanged(run_id, "region-ingest", "extract", S.COMPLETED, 1, 1, ts, reused=True),
        TaskStateChanged(run_id, "region-ingest", "transform", S.COMPLETED, 1, 1, ts),
        TaskStateChanged(run_id, "region-ingest", "load", S.RUNNING, 1, 1, ts),
    ]


def ingest_app(tmp_path: Path) -> FlowtopApp:
    @task
    def extract() -> None:
        return None

    with Flow("region-ingest") as ingest, Flow("nightly-warehouse-sync") as sync:
        extract()
    return FlowtopApp(FakeWorkspace(tmp_path, {"region-ingest": ingest, "sync": sync}))


def second_line(app: FlowtopApp) -> str:
    shown = app.header._shown
    return "" if shown is None else shown.plain.splitlines()[-1]


async def test_at_120_columns_the_header_names_the_live_runs_and_the_shown_runs_parameters(
    tmp_path: Path,
) -> None:
    app = ingest_app(tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        app.buffer.append_batch([*started(21), *started(22)])
        await wait_for(pilot, lambda: "live" in second_line(app), "the live runs")
        line = second_line(app)
        assert 'with region="x", day="2026-12-02"' in line, line
        assert line.endswith("2 live runs (#21, #22): w switches"), line


COUNTS = Note(("✓ 2 completed (1 reused)  ▶ 1 running", "✓ 2  ▶ 1"), style="", first=True)
WITH = Note(('with region="x", day="2026-12-02"', ""), holds=1)


def line(width: int) -> list[str]:
    live = live_runs_note([22, 21], "w")
    return [words for _, words in fit_notes([COUNTS, WITH, Note(live.wordings, sep="  ")], width)]


def test_the_parameters_give_way_after_the_live_runs_numbers_and_words() -> None:
    full = ["✓ 2  ▶ 1", 'with region="x", day="2026-12-02"', "2 live runs (#21, #22): w switches"]
    assert line(110) == [COUNTS.wordings[0], *full[1:]]  # all of it fits
    assert line(90) == full  # the counts' words went first
    assert line(75) == [*full[:2], "2 live runs: w switches"]  # then the numbers
    assert line(60) == [*full[:2], "2 live: w"]  # then the live runs' words
    # no room for the parameters even then: the live runs' numbers take their room back
    assert line(50) == ["✓ 2  ▶ 1", "2 live runs (#21, #22): w switches"]
    assert line(36) == ["✓ 2  ▶ 1", "2 live runs: w switches"]
    assert line(20) == ["✓ 2  ▶ 1", "2 live: w"]
