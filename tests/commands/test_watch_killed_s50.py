"""``flowtop watch`` of a run whose process was killed mid-attempt ends that attempt.

A human watch prints an attempt's output under the line of its end, and a ``kill -9``ed
run never logs that end: the watch showed ``grind ▶ running`` then ``run …
INTERRUPTED``, with no line for the attempt and none of what it printed, where ``watch
--json``, ``history --run`` and the monitor show both. Both ways a watch learns of the
death are covered: the interruption read from the log (another reader marked it), and
the watch's own look at the owner (``reap_quietly``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunStarted, TaskOutput, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace.history import History

RUN = "c3c3c3c3c3c3"
WHY = "its process (pid 4242 on vm) is gone"
#: What a store's owner that closes it with the run unfinished logs as its end.
CLOSED = "flowtop closed the store first"


def _killed_mid_attempt(history: History) -> None:
    """A run whose task printed four lines and was still running when its process died:
    ``done`` ended before, and its output is no part of the interrupted attempt's."""
    history.sink(
        [
            RunStarted(RUN, "grindy", 1, ("done", "grind"), (1, 1), ("", ""), None, 1.0),
            TaskStateChanged(RUN, "grindy", "done", S.RUNNING, 1, 1, 1.1),
            TaskOutput(RUN, "grindy", "done", 1, "done's own line\n", 1.15),
            TaskStateChanged(
                RUN, "grindy", "done", S.COMPLETED, 1, 1, 1.2, result="1", output="x\n"
            ),
            TaskStateChanged(RUN, "grindy", "grind", S.RUNNING, 1, 1, 2.0),
            *(
                TaskOutput(RUN, "grindy", "grind", 1, f"grind step {i}\n", 2.1 + i)
                for i in range(4)
            ),
        ]
    )
    assert history.flush(10)


def _interrupted_lines(said: str) -> list[str]:
    rows = said.splitlines()
    start = next(i for i, row in enumerate(rows) if "grindy/grind ⚡ interrupted" in row)
    return rows[start:]


def test_an_interruption_read_from_the_log_ends_the_running_attempt_with_its_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.db"
    history = History(db)
    try:
        _killed_mid_attempt(history)
    finally:
        history.close()  # with the run unfinished: its end in the log is an interruption
    assert watch.follow(db, RUN, json_lines=False) == 1
    said = capsys.readouterr().out
    rows = _interrupted_lines(said)
    assert rows[0].endswith(f"grindy/grind ⚡ interrupted (attempt 1/1): {CLOSED}"), said
    assert rows[1:-1] == [f"  │ grind step {i}" for i in range(4)], said
    assert " grindy #1 INTERRUPTED: 1 completed, 1 interrupted in " in rows[-1], said
    assert rows[-1].endswith(f" ({CLOSED})"), said
    assert "done ⚡" not in said and "done's own line" not in said, said


def test_an_owner_the_watch_finds_gone_ends_the_running_attempt_with_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "history.db"
    history = History(db)  # the owner, this process, lives: the look is made to find it gone
    monkeypatch.setattr(watch, "reap_quietly", lambda _db, _command: {RUN: WHY})
    try:
        _killed_mid_attempt(history)
        assert watch.follow(db, RUN, json_lines=False) == 1
    finally:
        history.close()
    rows = _interrupted_lines(capsys.readouterr().out)
    assert rows[0].endswith(f"grindy/grind ⚡ interrupted (attempt 1/1): {WHY}"), rows
    assert rows[1:-1] == [f"  │ grind step {i}" for i in range(4)], rows
    assert " grindy #1 INTERRUPTED: 1 completed, 1 interrupted in " in rows[-1], rows
    assert rows[-1].endswith(f" ({WHY})"), rows
