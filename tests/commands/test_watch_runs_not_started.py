"""``flowtop watch`` of a run whose process is still importing its flow file, or never
got past it, and ``flowtop history``'s row of such a run.

A watch printed nothing at all while the run's process imported the file (8 s of a blank
terminal, then everything at once); it now says at once that the run is starting, as
``flowtop cancel`` words it, and ``--json`` gives a ``run_starting`` event. A run that
then did not start (its import timed out) read as a ``@flow`` with no tasks: ``hang #1
started: tasks appear as the flow reaches them``, and ``0 tasks`` in the history.

A run process reserves its run (RUNNING, owned by it) before it imports, and records a
start and an end at once when it cannot start (``run_start.Reservation``): the stores
here are made so, by this process, which the watch therefore finds alive.
"""

from __future__ import annotations

import io
import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli_kit import Here
from flowtop.commands import watch
from flowtop.engine.events import ErrorInfo, RunFinished, RunStarted
from flowtop.engine.states import StateType
from flowtop.looks import NOT_STARTED
from flowtop.workspace.history import History

RUN = "a1a1a1a1a1a1"
WHY = "hang.py: import did not finish in 2 s"
#: How long the watch is given to say the run is starting before its end is written.
SAY_WITHIN = 10.0


@pytest.fixture
def reserved(tmp_path: Path) -> Iterator[History]:
    """The store of ``tmp_path`` holding run ``RUN`` of ``hang``, reserved by this
    process as a run process reserves it, nothing of it logged yet."""
    history = History(tmp_path / ".flowtop" / "history.db")
    try:
        assert history.next_number("hang", RUN) == 1
        yield history
    finally:
        history.close()


def not_started(history: History, state: StateType = StateType.FAILED) -> None:
    """The run's start and end at once, as a run that could not start records them."""
    now = time.time()
    error = ErrorInfo(NOT_STARTED, WHY) if state is StateType.FAILED else None
    note = "" if error else "cancelled: SIGTERM (flowtop run was stopped)"
    history.sink(
        [
            RunStarted(RUN, "hang", 1, (), (), (), None, ts=now),
            RunFinished(RUN, "hang", 1, state, {}, 0.0, ts=now, error=error, note=note),
        ]
    )
    assert history.flush(10)


def watched(
    history: History, monkeypatch: pytest.MonkeyPatch, *, json_lines: bool, then: Callable[[], None]
) -> tuple[int, str, bool]:
    """``watch.follow`` of ``RUN`` with ``then`` done once it printed anything (or after
    ``SAY_WITHIN``): its exit code, its output, and whether it printed before ``then``."""
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    said_first = threading.Event()

    def end_the_run() -> None:
        deadline = time.monotonic() + SAY_WITHIN
        while not out.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        if out.getvalue():
            said_first.set()
        then()

    ender = threading.Thread(target=end_the_run)
    ender.start()
    try:
        code = watch.follow(history.path, RUN, json_lines=json_lines)
    finally:
        ender.join()
    return code, out.getvalue(), said_first.is_set()


def test_a_run_still_importing_is_said_starting_at_once_then_that_it_did_not_start(
    reserved: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, said, first = watched(
        reserved, monkeypatch, json_lines=False, then=lambda: not_started(reserved)
    )
    rows = said.splitlines()
    assert first, said  # before the run's process logged anything
    assert rows[0].endswith(" hang #1 starting: its process is importing the flow file"), said
    assert len(rows) == 2 and rows[1].endswith(f" hang #1 did not start: {WHY}"), said
    assert "tasks appear" not in said and "started" not in said, said
    assert code == 1


def test_json_lines_give_a_run_starting_event_first(
    reserved: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, said, first = watched(
        reserved, monkeypatch, json_lines=True, then=lambda: not_started(reserved)
    )
    events = [json.loads(line) for line in said.splitlines()]
    assert first, said
    assert events[0]["event"] == "run_starting", said
    assert (events[0]["run_id"], events[0]["flow"], events[0]["run"]) == (RUN, "hang", 1)
    assert isinstance(events[0]["ts"], float)
    assert [e["event"] for e in events[1:]] == ["run_started", "run_finished"], said
    assert code == 1


def test_a_run_stopped_while_importing_did_not_start_either(
    reserved: History, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its process was stopped (SIGTERM) as it imported: CANCELLED, the signal its note."""
    code, said, _ = watched(
        reserved,
        monkeypatch,
        json_lines=False,
        then=lambda: not_started(reserved, StateType.CANCELLED),
    )
    last = said.splitlines()[-1]
    assert last.endswith(" hang #1 did not start: cancelled: SIGTERM (flowtop run was stopped)")
    assert "tasks appear" not in said, said
    assert code == 1


def test_history_reads_no_tasks_for_a_run_that_did_not_start(
    reserved: History, tmp_path: Path, flowtop_here: Here
) -> None:
    not_started(reserved)
    done = flowtop_here("history", str(tmp_path))
    assert done.returncode == 0, done
    header, row = done.stdout.splitlines()
    tasks = row[header.index("TASKS") :].split()[0]
    assert tasks == "-", done.stdout
    assert "0 tasks" not in row and f"did not start: {WHY}" in row, row
