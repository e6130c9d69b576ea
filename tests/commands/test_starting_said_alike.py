"""A run whose process still imports its flow file, as ``watch``, ``cancel`` and
``history`` say it: in the same words, ``starting: its process is importing the flow file``.

``watch`` said so; ``cancel`` said ``queued: its process is still importing the flow
file``; ``history --run`` said ``run id … · 0 tasks: running`` and its table ``0 tasks``,
as for a ``@flow`` that has reached no task yet (which still reads so).

The run is reserved here as a run process reserves it (RUNNING, owned by this process,
so every command finds its owner alive), nothing of it logged yet.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.commands import cancel
from flowtop.engine.events import RunStarted
from flowtop.workspace.history import History

RUN = "d6d6d6d6d6d6"
WORDS = "starting: its process is importing the flow file"


@pytest.fixture
def reserved(tmp_path: Path) -> Iterator[History]:
    """The store of ``tmp_path`` holding run ``RUN`` of ``hang`` (#1), only reserved."""
    history = History(tmp_path / ".flowtop" / "history.db")
    try:
        assert history.next_number("hang", RUN) == 1
        yield history
    finally:
        history.close()


def _started(history: History) -> None:
    """The run's start, as a ``@flow``'s: no task planned, none reached yet."""
    history.sink([RunStarted(RUN, "hang", 1, (), (), (), None, ts=1_700_000_000.0)])
    assert history.flush(10)


def _row(table: str) -> list[str]:
    """The run's row of ``history``'s table, cell by cell (two spaces or more apart)."""
    (row,) = [line for line in table.splitlines() if RUN in line]
    return [cell.strip() for cell in row.split("  ") if cell.strip()]


def test_history_run_says_a_run_with_only_its_reservation_is_starting(
    reserved: History, flowtop_here: Here, tmp_path: Path
) -> None:
    told = flowtop_here("history", str(tmp_path), "--run", RUN)
    assert told.returncode == 0, told.stderr
    assert f"run id {RUN} · {WORDS}\n" in told.stdout, told.stdout  # "· 0 tasks: running"
    assert "0 tasks" not in told.stdout and ": running" not in told.stdout, told.stdout
    _started(reserved)  # now a @flow that has reached no task yet: as it read
    detail = flowtop_here("history", str(tmp_path), "--run", RUN).stdout
    assert f"run id {RUN} · 0 tasks: running\n" in detail, detail


def test_history_s_table_says_it_too(reserved: History, flowtop_here: Here, tmp_path: Path) -> None:
    told = flowtop_here("history", str(tmp_path))
    assert told.returncode == 0, told.stderr
    row = _row(told.stdout)
    assert row[4:6] == ["-", "-"], row  # DURATION, TASKS: no "0 tasks", a @flow's words
    assert row[-1].startswith(f"{WORDS}; pid "), row  # NOTE, its owner after
    _started(reserved)
    row = _row(flowtop_here("history", str(tmp_path)).stdout)
    assert row[5] == "0 tasks" and row[-1].startswith("pid "), row


def test_cancel_says_it_in_the_same_words(
    reserved: History,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cancel, "WAIT", 0.2)  # over while the run is still only reserved
    code = cancel.main(argparse.Namespace(target=[str(tmp_path), RUN], flow=None))
    told = capsys.readouterr()
    assert code == 0, told.err
    assert told.out == (
        f"Cancel of run #1 of hang ({RUN}) queued, as it is {WORDS}; the run ends as it starts, "
        "running no task\n"
    )  # it said "its process is still importing the flow file"


def test_history_json_marks_it_starting_too(
    reserved: History, flowtop_here: Here, tmp_path: Path
) -> None:
    """``--json`` read it as a ``@flow`` running with no task reached: no word of it."""
    import json

    def run_objects(*more: str) -> list[dict[str, object]]:
        told = flowtop_here("history", str(tmp_path), "--json", *more)
        assert told.returncode == 0, told.stderr
        lines = [json.loads(line) for line in told.stdout.splitlines()]
        return [line for line in lines if line["record"] == "run"]

    for objects in (run_objects(), run_objects("--run", RUN)):
        assert [(o["run_id"], o.get("starting")) for o in objects] == [(RUN, True)]
    _started(reserved)
    for objects in (run_objects(), run_objects("--run", RUN)):
        assert [(o["run_id"], o.get("starting")) for o in objects] == [(RUN, None)]
