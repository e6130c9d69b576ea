"""A run whose parameter holds a lone surrogate keeps its history row in its columns.

The store keeps ``"\\ud800"`` in a parameter (``workspace/json_text.py``); ``printable``
escapes only the surrogates of bytes that were not UTF-8 (``\\udc80``-``\\udcff``), so the
flow cell held the surrogate raw, measured as one cell. The terminal gets the screen from
Textual's stderr writer, which writes it as ``\\ud800``: six cells, and that row's columns
five cells right of the others'.
"""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from flowtop.tui.model import RunModel
from flowtop.tui.screens import HistoryScreen
from flowtop.tui.widgets.run_header import RunHeader
from flowtop.workspace.history_records import RunDetail, RunRecord
from pilot_kit import screen_text

from .snapshot_apps import HostApp


def as_the_terminal_gets_it(line: str) -> str:
    """What Textual's writer sends: stderr's encoder escapes what UTF-8 cannot carry."""
    return line.encode("utf-8", "backslashreplace").decode("utf-8")


def record(number: int, value: str) -> RunRecord:
    return RunRecord(
        f"run-{number}",
        "etl",
        number,
        "COMPLETED",
        1.7e9,
        1.7e9 + 3,
        3.0,
        None,
        None,
        {"COMPLETED": 1},
        1,
        parameters={"day": value},
    )


class Runs:
    def __init__(self, records: list[RunRecord]) -> None:
        self.records = records

    def runs(self, flow: str | None = None, limit: int | None = 100) -> list[RunRecord]:
        return self.records

    def count(self, flow: str | None = None) -> int:
        return len(self.records)

    def run_detail(self, run_id: str) -> RunDetail:
        raise KeyError(run_id)

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("value", "drawn"),
    [("\ud800", "\\ud800"), ("\udc00", "\\udc00"), ("\udfff", "\\udfff"), ("\udcff", "\\xff")],
)
async def test_a_surrogate_in_a_parameter_leaves_the_row_in_its_columns(
    value: str, drawn: str
) -> None:
    history = Runs([record(2, value), record(1, "ab")])
    app = HostApp(lambda: HistoryScreen(history, "etl"))
    async with app.run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        lines = [as_the_terminal_gets_it(line) for line in screen_text(app).split("\n")]
    rows = [line for line in lines if "Completed" in line]
    assert len(rows) == 2, lines
    assert f'day="{drawn}"' in rows[0], rows[0]
    assert len({row.index("Completed") for row in rows}) == 1, rows  # old: 5 cells apart


class HeaderApp(App[None]):
    def compose(self) -> ComposeResult:
        yield RunHeader()


async def test_the_run_header_writes_a_surrogate_as_the_terminal_draws_it() -> None:
    """The main screen's line of the shown run's parameters, likewise."""
    app = HeaderApp()
    async with app.run_test(size=(80, 4)) as pilot:
        run = RunModel("etl", (), run_id="r", number=1, parameters={"day": "\ud800"})
        app.query_one(RunHeader).show("etl", run, 0.0)
        await pilot.pause()
        line = as_the_terminal_gets_it(screen_text(app).split("\n")[1])
    assert 'with day="\\ud800"' in line, line
    assert len(line) == 80, line  # drawn as measured (old: 85 cells on an 80-cell line)
