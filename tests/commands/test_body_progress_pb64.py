"""A ``@flow`` body's progress bar (``print(f"\\rbody progress {i}%", end="")``) under
``flowtop run`` on a terminal redraws in place, on one row.

Every batch of events the printer got while the bar's row was open ended that row, even
one it printed no line for: the body's own output (``TaskOutput``, twice a second) or a
task's steps under ``--quiet``. It then drew the live status line below, and the bar's
next ``\\r`` redraw went on that row: ``body progress 20%``, ``60%``, ``100%`` on rows of
their own. A batch with nothing to print now leaves the row open and draws nothing.
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest

from cli_kit import PLAIN
from commands.test_status_line_clear import on_screen
from flowtop.commands.printers import HumanPrinter
from flowtop.engine import status_line
from flowtop.engine.events import FLOW_BODY, RunStarted, TaskOutput
from pty_kit import on_terminal, read_until

#: Steps the bar goes through; the body waits at each until the test saw it drawn.
STEPS = 8

#: A body that calls a task, then redraws its bar (``DRAWN``), at each step: waiting for
#: the test to see each drawing gives the printer time to take the task's events meanwhile.
BAR = f"""\
import time
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


@task
def step(i):
    return i


@flow(name="bar")
def bar():
    for i in range({STEPS}):
        step(i)
        DRAWN
        while not (HERE / f"seen-{{i}}").exists():
            time.sleep(0.01)
    print()
    return "done"
"""

#: A bar's two ways to redraw its row: ``\r`` first (tqdm), or last (``end="\r"``).
DRAWN = {
    "first": 'print(f"\\rbody progress {i:3d}%", end="", flush=True)',
    "last": 'print(f"body progress {i:3d}%", end="\\r", flush=True)',
}


def _drawn(folder: Path) -> bytes:
    """What ``flowtop run --quiet`` of ``BAR`` writes on a pseudo-terminal, each bar
    drawing answered with the file the body waits for."""
    command = [sys.executable, "-m", "flowtop", "run", "bar.py", "--quiet", "--no-history"]
    env = {**os.environ, **PLAIN, "TERM": "xterm", "COLUMNS": "200"}
    with on_terminal(command, cwd=folder, env=env) as (proc, leader):
        said = b""
        for seen in range(STEPS):
            said = read_until(leader, f"body progress {seen:3d}%".encode(), so_far=said)
            (folder / f"seen-{seen}").touch()
        said = read_until(leader, so_far=said)
        assert proc.wait(timeout=60) == 0, said
    return said


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty here")
@pytest.mark.parametrize("carriage_return", DRAWN)
def test_a_body_s_bar_redraws_on_one_row_between_task_calls(
    tmp_path: Path, carriage_return: str
) -> None:
    (tmp_path / "bar.py").write_text(BAR.replace("DRAWN", DRAWN[carriage_return]))
    raw = _drawn(tmp_path).decode("utf-8", "replace")
    rows = [row for row in on_screen(raw) if row]
    bars = [row for row in rows if "body progress" in row]
    assert bars == [f"body progress {STEPS - 1:3d}%"], rows
    started = next(i for i, row in enumerate(rows) if "bar #1 started" in row)
    assert rows[started + 1] == bars[0], rows  # the bar's one row, right below the start
    assert "bar #1 COMPLETED" in rows[started + 2], rows


@pytest.fixture
def open_row(monkeypatch: pytest.MonkeyPatch) -> None:
    """A row another writer (a ``@flow`` body) left half-written on the terminal."""
    monkeypatch.setattr(status_line, "row_open", True)
    monkeypatch.setattr(status_line, "row_open_on", None)


def _live_run(out: io.StringIO) -> HumanPrinter:
    """A ``--quiet`` printer with a live status line, its run started and its bar open."""
    printer = HumanPrinter(out, live=True, verbose=False)
    with status_line.row_turn():
        status_line.row_open = False
        printer([RunStarted("r1", "bar", 1, (), (), (), None, time.time())])
        status_line.row_open = True  # the body's bar begins
    out.seek(0)
    out.truncate()
    return printer


@pytest.mark.usefixtures("open_row")
def test_events_with_no_line_leave_the_half_row_as_it_is() -> None:
    out = io.StringIO()
    printer = _live_run(out)
    printer([TaskOutput("r1", "bar", FLOW_BODY, 0, "\rbody progress  20%", time.time())])
    assert out.getvalue() == ""  # not ended, no status line below it
    assert status_line.row_open


@pytest.mark.usefixtures("open_row")
def test_a_line_after_the_half_row_still_goes_below_it() -> None:
    out = io.StringIO()
    printer = _live_run(out)
    printer([RunStarted("r2", "sub", 1, (), (), (), None, time.time(), parent_run="r1")])
    assert out.getvalue().startswith("\n")  # the bar's row ends as it is
    assert "sub #1 started" in out.getvalue()
    assert not status_line.row_open


@pytest.mark.parametrize(
    ("writes", "left_open"),
    [
        (["body progress  10%\r"], True),  # the bar on its row, the cursor at its start
        (["body progress  10%\r", "\r"], True),  # the row as it was
        (["body progress  10%\r", "\n"], False),
        (["done\n\r"], False),  # a blank row begun: the status line may go there
        (["\r"], False),
    ],
)
def test_a_row_a_bar_redraws_with_a_last_carriage_return_is_open(
    monkeypatch: pytest.MonkeyPatch, writes: list[str], left_open: bool
) -> None:
    monkeypatch.setattr(status_line, "row_open", False)
    monkeypatch.setattr(status_line, "row_open_on", None)
    out = io.StringIO()
    for text in writes:
        status_line.write_marked(out, text)
    assert status_line.row_open is left_open
