"""A ``@flow`` body's line rewritten after ``\\r`` shows as a terminal leaves it in
``history --run`` and ``watch``, as a task's output does (``left_on_screen``).

A task's ``ERROR: disk full\\rOK`` read ``OKROR: disk full`` everywhere, but the same
line printed by the body read ``ERROR: disk full␍OK``, and a progress bar every version
it drew (``␍body bar 0␍body bar 1…``). ``--json`` keeps the text as it was written.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

import cli_kit
from cli_kit import PLAIN
from flowtop.commands import watch
from flowtop.engine.events import FLOW_BODY, RunFinished, RunStarted, TaskOutput
from flowtop.engine.states import StateType
from flowtop.workspace.history import History
from pty_kit import on_terminal, read_until

#: What ``/tmp/ex64c/ws/flows/bar2.py``'s body printed: a bar, then an error hidden by ``\r``.
BODY = "\rbody bar 0\rbody bar 1\rbody bar 2\rbody bar 3\nERROR: disk full\rOK\n"
#: How a terminal leaves it.
SHOWN = ["body bar 3", "OKROR: disk full"]
RUN_ID = "c4c4c4c4c4c4"


def _stored(folder: Path, *events: RunStarted | RunFinished | TaskOutput) -> Path:
    """``folder``'s new store holding run ``bar`` #1's ``events``."""
    db = folder / ".flowtop" / "history.db"
    db.parent.mkdir()
    store = History(db)
    try:
        store.next_number("bar")
        store.sink([RunStarted(RUN_ID, "bar", 1, (), (), (), ts=1.0), *events])
        assert store.flush(10)
    finally:
        store.close()
    return db


def _ended(folder: Path) -> Path:
    end = RunFinished(RUN_ID, "bar", 1, StateType.COMPLETED, {}, 0.5, 1.5, output=BODY)
    return _stored(folder, end)


def test_history_run_shows_the_body_s_lines_as_left_on_screen(
    tmp_path: Path, flowtop_here: cli_kit.Here
) -> None:
    _ended(tmp_path)
    said = flowtop_here("history", ".", "--run", "1", cwd=tmp_path)
    assert said.returncode == 0, said.stderr
    assert "flow output:\n" + "".join(f"  {line}\n" for line in SHOWN) in said.stdout
    assert "␍" not in said.stdout
    as_json = flowtop_here("history", ".", "--run", "1", "--json", cwd=tmp_path)
    (run,) = [r for r in map(json.loads, as_json.stdout.splitlines()) if r["record"] == "run"]
    assert run["output"] == BODY


def test_a_watch_of_an_ended_run_shows_them_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _ended(tmp_path)
    assert watch.follow(db, RUN_ID, json_lines=False) == 0
    out = capsys.readouterr().out
    assert out.endswith("  flow output:\n" + "".join(f"    {line}\n" for line in SHOWN)), out
    assert "␍" not in out


def test_a_watch_of_an_interrupted_run_shows_its_pieces_as_they_came(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The body's output so far, from its pieces (one ends between a line's versions), of
    a run with no end: the store, closed by its owner (this process), interrupts it."""
    cut = BODY.index("\rOK")
    pieces = [
        TaskOutput(RUN_ID, "bar", FLOW_BODY, 0, part, ts)
        for part, ts in ((BODY[:cut], 1.2), (BODY[cut:], 1.4))
    ]
    db = _stored(tmp_path, *pieces)
    assert watch.follow(db, RUN_ID, json_lines=False) == 1
    rows = capsys.readouterr().out.splitlines()
    # into a file, each line as it ended, as a terminal leaves it (its ``\r`` redraws
    # were written raw, every version of the bar on one line); not again under the end
    assert rows[1:-1] == SHOWN, rows
    assert "bar #1 INTERRUPTED" in rows[-1], rows
    assert "␍" not in "".join(rows) and "\r" not in "".join(rows)


def test_a_line_left_unended_shows_as_left_before_the_interruption(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Into a file, a line is held until it ends: one the run's interruption cut short
    is written then, as a terminal leaves it, before the run's last line."""
    pieces = [
        TaskOutput(RUN_ID, "bar", FLOW_BODY, 0, part, ts)
        for part, ts in ((BODY + "\rlast 1", 1.2), ("\rlast 2", 1.4))
    ]
    db = _stored(tmp_path, *pieces)
    assert watch.follow(db, RUN_ID, json_lines=False) == 1
    rows = capsys.readouterr().out.splitlines()
    assert rows[1:-1] == [*SHOWN, "last 2"], rows
    assert "bar #1 INTERRUPTED" in rows[-1], rows


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty here")
def test_on_a_terminal_the_pieces_go_out_as_they_came(tmp_path: Path) -> None:
    """A terminal redraws the bar's row at each ``\r``: written as it came."""
    cut = BODY.index("\rOK")
    pieces = [
        TaskOutput(RUN_ID, "bar", FLOW_BODY, 0, part, ts)
        for part, ts in ((BODY[:cut], 1.2), (BODY[cut:], 1.4))
    ]
    _stored(tmp_path, *pieces)
    command = [sys.executable, "-m", "flowtop", "watch", ".", "1"]
    env = {**os.environ, **PLAIN, "TERM": "xterm", "COLUMNS": "200"}
    with on_terminal(command, cwd=tmp_path, env=env) as (proc, leader):
        said = read_until(leader)
        assert proc.wait(timeout=60) == 1, said
    assert b"\rbody bar 0\rbody bar 1\rbody bar 2\rbody bar 3\r\n" in said, said
    assert b"ERROR: disk full\rOK\r\n" in said, said
    assert b"bar #1 INTERRUPTED" in said, said
