"""``flowtop history`` at a terminal fits its width; piped, its table is as it was.

At 80 columns (``TERM=xterm`` over SSH) every row of the table was 104-110 characters:
each, the header too, wrapped onto a second line, and RERUN OF, RUN ID and NOTE landed
under FLOW. A script reading the piped table gets every column, as wide as its cells.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from flowtop import Flow, flow, task
from flowtop.commands.history_table import BELOW, HEADER, Row, table_lines
from flowtop.engine import Runner
from flowtop.workspace.history import History
from pty_kit import on_terminal, read_until

APP = Path(__file__).resolve().parents[2] / "app"


def _record(folder: Path) -> None:
    """A failed run of ``etl`` and its rerun; a named run of a ``@flow`` with parameters
    (its NOTE: ``with day="2026-02-03"``)."""

    @task(max_retries=0)
    def fetch() -> str:
        raise ConnectionError("connection reset")

    @task
    def load(rows: str) -> str:
        return rows

    with Flow("etl") as etl:
        load(fetch())

    @task
    def step() -> int:
        return 1

    @flow(name="nightly-report", flow_run_name="nightly-{day}")
    def nightly(day: str = "2026-01-01") -> None:
        step()

    history = History(folder / ".flowtop" / "history.db")
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        first = runner.start(etl).result(timeout=30)
        runner.rerun_failed(first).result(timeout=30)
        runner.start(nightly, kwargs={"day": "2026-02-03"}).result(timeout=30)
        runner.bus.flush(timeout=10)
        assert history.flush(10)
    finally:
        runner.shutdown()
        history.close()


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("history_width") / "flows"
    made.mkdir()
    _record(made)
    return made


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    return {**env, "PYTHONPATH": str(APP), "TERM": "xterm", "NO_COLOR": "1"}


def _at_terminal(folder: Path, columns: int, rows: int = 24) -> list[str]:
    """``flowtop history FOLDER``'s lines, written to a terminal of ``columns``."""
    command = [sys.executable, "-m", "flowtop", "history", str(folder)]
    with on_terminal(command, env=_environment(), size=(rows, columns)) as (proc, leader):
        said = read_until(leader)
        assert proc.wait(timeout=60) == 0
    return said.decode().replace("\r\n", "\n").splitlines()


def test_at_80_columns_each_line_fits_and_the_note_has_its_own(folder: Path) -> None:
    lines = _at_terminal(folder, 80)
    assert all(cell_len(line) <= 80 for line in lines), lines
    header, *rows = lines
    assert header.split() == ["FLOW", "#", "STATE", "STARTED", "DURATION", "TASKS"], lines
    # the rerun says its source, and the @flow's run its parameters, under its row
    assert rows[0].split()[:3] == ["nightly-report", "1", "COMPLETED"], lines
    assert rows[1] == f'{BELOW}with day="2026-02-03"', lines
    assert rows[2].split()[:3] == ["etl", "2", "FAILED"], lines
    assert "1 failed, 1 upstream failed" in rows[2], lines
    assert rows[3] == f"{BELOW}rerun of #1", lines
    assert rows[4].split()[:3] == ["etl", "1", "FAILED"] and len(rows) == 5, lines


def test_at_120_columns_it_keeps_more_of_its_columns(folder: Path) -> None:
    lines = _at_terminal(folder, 120, 36)
    assert all(cell_len(line) <= 120 for line in lines), lines
    assert "RERUN OF" in lines[0] and "RUN ID" not in lines[0], lines
    assert "(nightly-2026-02-03)" in lines[1], lines  # the run's name: whole here


def test_piped_the_table_keeps_every_column_on_one_line_per_run(folder: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "history", str(folder)],
        capture_output=True,
        text=True,
        env={**_environment(), "COLUMNS": "80"},
        timeout=60,
    )
    header, *rows = done.stdout.splitlines()
    assert header.split() == [word for column in HEADER for word in column.split()]
    assert len(rows) == 3 and 'with day="2026-02-03"' in rows[0], done.stdout
    assert cell_len(rows[1]) > 80


def _row(flow_name: str, name: str = "", note: str = "", rerun: str = "") -> Row:
    number = f"1 ({name})" if name else "1"
    cells = (
        flow_name,
        number,
        "FAILED",
        "2026-12-06 21:30:38",
        "1m05s",
        "3 completed, 1 failed, 2 upstream failed",
        rerun,
        "17f5a027851a",
        note,
    )
    return Row(cells, "1", name, "12-06 21:30")


def test_what_is_too_long_is_cut_with_an_ellipsis_the_note_wrapped() -> None:
    rows = [
        _row("regional-report-for-every-region", "nightly-" + "x" * 30, "with " + "y" * 200),
        _row("etl", rerun="#1"),
    ]
    lines = table_lines(rows, 80)
    assert all(cell_len(line) <= 80 for line in lines), lines
    assert lines[1].startswith("regional-report-for") and "…" in lines[1], lines
    note = [line.removeprefix(BELOW) for line in lines[2:-2]]  # wrapped whole, never cut
    assert all(line.startswith(BELOW) for line in lines[2:-2]), lines
    assert note[0] == "with" and "".join(note[1:]) == "y" * 200, lines
    assert "1m05s" in lines[1] and "2026" not in lines[1], lines  # the time short
    assert lines[-2].startswith("etl") and lines[-1] == f"{BELOW}rerun of #1", lines


def test_a_table_that_fits_is_left_as_it_is() -> None:
    rows = [_row("etl", note="with day=1")]
    assert table_lines(rows, 200) == table_lines(rows, None)
    assert "RUN ID" in table_lines(rows, 200)[0]
