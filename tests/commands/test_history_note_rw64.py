"""``flowtop history`` at a narrow terminal wraps a run's NOTE under it, never cuts it.

550e236 put NOTE on a line of its own under its run at 80 columns, cut to the width:
what a note says last (an interrupted run's cause, a ``@flow``'s error after its
parameters) was lost, where the README says only a run's name, FLOW and TASKS are cut.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.cells import cell_len

from flowtop import flow
from flowtop.commands.history_table import BELOW, Row, table_lines
from flowtop.engine import Runner
from flowtop.workspace.history import History

from .test_history_width_hw64 import _at_terminal

CAUSE = "ValueError: 3 rows rejected by the warehouse"
DIED = (
    "interrupted: its process (pid 41872) died while running extract, load; "
    "killed by SIGKILL (out of memory?)"
)


def _under(lines: list[str], first: int) -> str:
    """The lines under the run on line ``first``, as one text (the table's indent out)."""
    below = []
    for line in lines[first + 1 :]:
        if not line.startswith(BELOW):
            break
        below.append(line.removeprefix(BELOW))
    return " ".join(below)


def _row(note: str) -> Row:
    cells = ("nightly", "1", "INTERRUPTED", "2026-12-06 21:30:38", "4m02s", "2 completed")
    return Row((*cells, "", "17f5a027851a", note), "1", "", "12-06 21:30")


@pytest.mark.parametrize("note", [DIED, "with " + "y" * 200], ids=["interrupted", "one-word"])
def test_a_note_wider_than_the_terminal_wraps_whole_under_its_run(note: str) -> None:
    lines = table_lines([_row(note), _row("")], 80)
    assert all(cell_len(line) <= 80 for line in lines), lines
    assert _under(lines, 1).replace(" ", "") == note.replace(" ", ""), lines
    assert lines[-1].split()[:3] == ["nightly", "1", "INTERRUPTED"], lines  # the next run


def test_at_80_columns_a_flows_error_after_its_parameters_is_said_whole(tmp_path: Path) -> None:
    @flow(name="warehouse-load")
    def load(day: str = "", region: str = "", tables: str = "") -> None:
        raise ValueError(CAUSE.removeprefix("ValueError: "))

    history = History(tmp_path / ".flowtop" / "history.db")
    runner = Runner(2, sinks=[history.sink], next_number=history.next_number)
    try:
        said = {"day": "2026-02-03", "region": "eu-west-1", "tables": "orders,items"}
        runner.start(load, kwargs=said).result(timeout=30)
        runner.bus.flush(timeout=10)
        assert history.flush(10)
    finally:
        runner.shutdown()
        history.close()
    lines = _at_terminal(tmp_path, 80)
    assert all(cell_len(line) <= 80 for line in lines), lines
    assert lines[1].split()[:3] == ["warehouse-load", "1", "FAILED"], lines
    note = _under(lines, 1)
    assert note.startswith('with day="2026-02-03"') and note.endswith(CAUSE), lines


def test_at_60_columns_runs_with_no_note_nor_rerun_fit_without_those_titles() -> None:
    """ex64: the empty NOTE and RERUN OF columns stayed, their titles alone wrapping the
    header at 60 columns (``…TASKS        RERU`` / ``N OF  NOTE``)."""
    plain = Row(
        (
            "late",
            "2",
            "COMPLETED",
            "2026-12-06 22:16:03",
            "1.0s",
            "1 completed",
            "",
            "17f5a027851a",
            "",
        ),
        "2",
        "",
        "12-06 22:16",
    )
    lines = table_lines([plain, plain], 60)
    assert all(cell_len(line) <= 60 for line in lines), lines
    assert "NOTE" not in lines[0] and "RERUN" not in lines[0], lines
    assert len(lines) == 3, lines  # the header and a line a run
