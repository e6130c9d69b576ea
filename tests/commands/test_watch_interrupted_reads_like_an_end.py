"""``flowtop watch``'s last line for a run whose process died reads as every other end.

It read ``run b42c92683ea0 INTERRUPTED: its process (pid 15846 on vm) is gone``, where a
run's own end reads ``long #2 CANCELLED: 1 completed, 2 cancelled in 3.1s``: now its
flow and number, its tasks' counts (the unfinished ones interrupted, as the store marks
them) and its duration come first, the reason after them.
"""

from __future__ import annotations

import re
import sqlite3
import time
from contextlib import closing
from pathlib import Path

import pytest

from flowtop.commands import watch
from flowtop.engine.events import RunStarted, TaskStateChanged
from flowtop.engine.states import StateType as S
from flowtop.workspace.history import History

RUN = "b4b4b4b4b4b4"
WHY = "its process (pid 4242 on vm) is gone"


def _gone(monkeypatch: pytest.MonkeyPatch) -> None:
    """The watch's own look at the run's owner (this process, alive) finds it gone."""
    monkeypatch.setattr(watch, "reap_quietly", lambda _db, _command: {RUN: WHY})


def test_an_interrupted_run_s_last_line_names_its_flow_counts_and_duration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    history = History(tmp_path / "history.db")
    start = time.time() - 3.0  # three seconds ago
    _gone(monkeypatch)
    try:
        history.sink(
            [
                RunStarted(RUN, "long", 2, ("a", "b", "c"), (1, 1, 1), ("", "", ""), None, start),
                TaskStateChanged(RUN, "long", "a", S.RUNNING, 1, 1, start + 0.1),
                TaskStateChanged(RUN, "long", "a", S.COMPLETED, 1, 1, start + 0.2, result="1"),
                TaskStateChanged(RUN, "long", "b", S.RUNNING, 1, 1, start + 0.3),
            ]
        )
        assert history.flush(10)
        # its owner beat until now: its death is dated so (``reaper.last_sign_of_life``)
        with closing(sqlite3.connect(history.path)) as raw, raw:
            raw.execute("UPDATE runs SET heartbeat = ?", (time.time(),))
        assert watch.follow(history.path, RUN, json_lines=False) == 1
    finally:
        history.close()
    last = capsys.readouterr().out.splitlines()[-1]
    ending = re.fullmatch(
        r"\d\d:\d\d:\d\d long #2 INTERRUPTED: (.+) in (\d+\.?\d*)s \((.+)\)", last
    )
    assert ending is not None, last
    counts, took, why = ending.groups()
    assert counts == "1 completed, 2 interrupted", last  # b running and c pending: both
    assert 3.0 <= float(took) < 60, last
    assert why == WHY


def test_a_run_gone_before_its_start_was_logged_is_named_by_its_flow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Its process reserved the run, then died importing the flow file: no start read,
    so its flow and number come from the store's row."""
    history = History(tmp_path / "history.db")
    _gone(monkeypatch)
    try:
        assert history.next_number("hang", RUN) == 1
        assert watch.follow(history.path, RUN, json_lines=False) == 1
    finally:
        history.close()
    last = capsys.readouterr().out.splitlines()[-1]
    assert re.fullmatch(rf"\d\d:\d\d:\d\d hang #1 INTERRUPTED \({re.escape(WHY)}\)", last), last
