"""A subflow call's note (``load runs again: it is given an object …``) goes out as the
stand-in writes past any capture (``capture.say_past``), not by a writer of its own.

Its own writer cleared the row before the note, whatever was on it: a row another writer
left half-written (``print("loading...", end="")``) was erased on a terminal, glued to
the note in a file; and in a launched run's log the note was not flowtop's own
(``capture_windows.own``), so a child's window could take it for the child's output.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Iterator

import pytest

from flowtop.engine import capture, capture_windows, status_line
from flowtop.engine.parameters import UNSTORED
from flowtop.engine.rerun_cache import SourceCalls
from flowtop.engine.subflow_reruns import Recorded, SubflowCalls, SubflowSource, SubflowSources
from pty_kit import read_until

LOADING = "loading..."


def _moved_call() -> None:
    """A call of ``load`` given an object, whose source call was at ``load-2``: it runs
    afresh, and says why."""
    stored = Recorded(json.dumps({"conn": {UNSTORED: "<Conn object at 0x7f01>"}}))
    sources = SubflowSources([SubflowSource("load", "load-2", stored, "r1", SourceCalls)])
    called = Recorded(json.dumps({"conn": {UNSTORED: "<Conn object at 0x7e99>"}}))
    assert SubflowCalls(sources).source_of("load", "load", called) is None


@pytest.fixture
def quiet_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """The status line's flags as they are between commands, put back after the test."""
    monkeypatch.setattr(status_line, "terminal", None)
    monkeypatch.setattr(status_line, "row_open", False)


@pytest.mark.usefixtures("quiet_row")
def test_the_note_goes_below_a_half_written_row_in_a_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = io.StringIO()
    stand_in = capture._ThreadRoutedStream(out)
    monkeypatch.setattr(sys, "stderr", stand_in)
    stand_in.write(LOADING)  # a thread's ``print(..., end="")`` past any capture
    _moved_call()
    first, second = out.getvalue().splitlines()[:2]
    assert first == LOADING  # the row ends as it was
    assert second.startswith("flowtop: load runs again: it is given an object (conn)")
    assert not status_line.row_open


@pytest.mark.usefixtures("quiet_row")
def test_the_note_is_flowtops_own_in_a_launched_runs_log(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stderr", capture._ThreadRoutedStream(io.StringIO()))
    monkeypatch.setattr(capture_windows, "watching", True)
    monkeypatch.setattr(capture_windows, "_own", [])
    _moved_call()
    assert any("load runs again" in text for text in capture_windows._own)


@pytest.fixture
def terminal() -> Iterator[tuple[int, io.TextIOWrapper]]:
    """A pseudo-terminal: its reading end, and a text stream writing to it."""
    reading, writing = os.openpty()
    stream = open(writing, "w", encoding="utf-8")  # noqa: SIM115 - closed after the test
    try:
        yield reading, stream
    finally:
        stream.close()
        os.close(reading)


@pytest.mark.usefixtures("quiet_row")
def test_a_half_written_row_on_the_status_lines_terminal_is_not_erased(
    monkeypatch: pytest.MonkeyPatch, terminal: tuple[int, io.TextIOWrapper]
) -> None:
    reading, stream = terminal
    status_line.drawn_on(stream)  # ``flowtop run``'s live status line is on it
    stand_in = capture._ThreadRoutedStream(stream)
    monkeypatch.setattr(sys, "stderr", stand_in)
    stand_in.write(LOADING)
    stand_in.flush()
    _moved_call()
    shown = read_until(reading, b"(called in another order)", seconds=10).decode()
    after = shown.partition(LOADING)[2]  # (the row was cleared of the status line first)
    assert after.startswith("\r\nflowtop: load runs again"), shown  # the note below it
    assert status_line.CLEAR not in after, shown  # the row kept
