"""Lines written past ``flowtop run``'s printer do not land on its live status line.

The status line is redrawn in place, the cursor waiting at its end. A process a task
forked (``os.fork``, a fork ``multiprocessing.Pool``) writes to the real streams, and its
line was written after the status line, on its row: ``forks #1: 0/1 done · 1 running ·
0 retrying · 0 failed · 0.0schild line one``. Such a line now clears that row first.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowtop.engine import capture, status_line
from pty_kit import on_terminal, read_until

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork here")

FORKS = """
    import os
    import sys
    import time
    from pathlib import Path

    from flowtop import flow, task

    GO = Path(__file__).with_name("go")


    @task
    def forky():
        while not GO.exists():  # the test says go once the status line shows
            time.sleep(0.01)
        pid = os.fork()
        if pid == 0:
            sys.stdout.write("child line one\\n")  # one write each: under -u, print()
            sys.stdout.write("child line two\\n")  # makes two, and a redraw may come between
            sys.stdout.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        return 1


    @flow
    def forks():
        return forky()
"""


def on_screen(raw: str) -> list[str]:
    """The rows a terminal shows after ``raw``: a row is rewritten by ``\\r``, erased by
    ``ESC[2K``, and ``ESC[1G`` moves to its start, as ``flowtop run`` uses them."""
    rows, row, col = [""], 0, 0
    for token in re.findall(r"\x1b\[[0-9;?]*[A-Za-z]|.", raw, re.S):
        if token == "\n":
            row += 1
            rows += [""] * (row + 1 - len(rows))
        elif token == "\r" or token in ("\x1b[1G", "\x1b[G"):
            col = 0
        elif token == "\x1b[2K":
            rows[row] = ""
        elif not token.startswith("\x1b"):
            line = rows[row].ljust(col)
            rows[row] = line[:col] + token + line[col + 1 :]
            col += 1
    return [line.rstrip() for line in rows]


def run_on_a_terminal(folder: Path) -> str:
    """``flowtop run`` on a pseudo-terminal; ``go`` is written once its status line shows."""
    command = [sys.executable, "-m", "flowtop", "run", "forks.py", "--no-history"]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    with on_terminal(command, cwd=folder, env=env) as (proc, leader):
        said = read_until(leader, b"1 running")
        (folder / "go").touch()
        said = read_until(leader, so_far=said)
        proc.wait(timeout=10)
    return said.decode("utf-8", "replace")


def test_a_forked_child_s_lines_do_not_land_on_the_live_status_line(tmp_path: Path) -> None:
    (tmp_path / "forks.py").write_text(textwrap.dedent(FORKS))
    raw = run_on_a_terminal(tmp_path)
    rows = on_screen(raw)
    assert "child line one" in rows and "child line two" in rows, rows
    assert not [row for row in rows if "running ·" in row and "child" in row], rows
    assert any("forks #1 COMPLETED" in row for row in rows), rows


def read_all(fd: int, until: bytes) -> bytes:
    """What was written to the terminal: once ``until`` has come, until nothing more
    comes for 0.1 s (a pty passes a write on a moment after it returned)."""
    said = read_until(fd, until)
    while select.select([fd], [], [], 0.1)[0]:
        said += os.read(fd, 4096)
    return said


def test_a_line_begun_past_capture_clears_the_status_line_s_row_first() -> None:
    leader, follower = pty.openpty()
    real = open(follower, "w", buffering=1, closefd=False)  # noqa: SIM115 - closed below
    stand_in = capture._ThreadRoutedStream(real)  # type: ignore[arg-type]
    elsewhere = capture._ThreadRoutedStream(io.StringIO())  # type: ignore[arg-type]
    try:
        assert status_line.drawn_on(stand_in) is real  # the printer draws past the stand-in
        stand_in.write("child line\n")
        stand_in.write("50%")  # a line written in pieces is cleared once, at its start
        stand_in.write(" done\n")
        stand_in.write("\r 10%")  # a row rewritten in place (a progress bar): each time
        stand_in.write("\r 20%\n")
        elsewhere.write("to a file\n")
        status_line.forget()
        stand_in.write("no status line\n")
        said = read_all(leader, until=b"no status line\r\n").decode()
    finally:
        status_line.forget()
        real.close()
        os.close(follower)
        os.close(leader)
    clear = status_line.CLEAR
    assert said == (
        f"{clear}child line\r\n{clear}50% done\r\n{clear}\r 10%{clear}\r 20%\r\nno status line\r\n"
    )
    assert elsewhere.original.getvalue() == "to a file\n"


def test_a_half_written_row_is_neither_drawn_over_nor_written_after() -> None:
    """``print("step 1...", end="")`` before a slow step: the printer's next redraw wiped
    it (``\\r`` + erase), and its next line went on after it, on the same row; a line on
    stderr meanwhile cleared it, since each stream counted its own line starts."""
    from flowtop.commands.printers import HumanPrinter
    from flowtop.engine.events import RunStarted

    leader, follower = pty.openpty()
    real = open(follower, "w", buffering=1, closefd=False)  # noqa: SIM115 - closed below
    out = capture._ThreadRoutedStream(real)  # type: ignore[arg-type]
    err = capture._ThreadRoutedStream(real)  # type: ignore[arg-type]
    try:
        printer = HumanPrinter(status_line.drawn_on(out), live=True, verbose=True)
        printer([RunStarted("r1", "etl", 1, ("a",), (1,), ("",), None, time.time())])
        read_all(leader, until=b" failed")  # its line, and the status line after it
        out.write("step 1...")
        real.flush()  # print(..., end="", flush=True)
        printer._last_status = 0.0  # a second has passed: the tick would redraw
        printer.tick()
        step_1 = f"{status_line.CLEAR}step 1...".encode()
        assert read_all(leader, until=step_1) == step_1
        err.write(" warned\n")  # the same row's end, on the other stream: not cleared
        assert read_all(leader, until=b" warned\r\n") == b" warned\r\n"
        out.write("step 2...")
        real.flush()
        printer([RunStarted("r2", "etl", 2, ("a",), (1,), ("",), None, time.time())])
        said = read_all(leader, until=b"etl #2 started").decode()
        assert said.startswith(f"{status_line.CLEAR}step 2...\r\n")  # ended, then below it
        assert "etl #2 started" in said
    finally:
        status_line.forget()
        real.close()
        os.close(follower)
        os.close(leader)


def test_a_line_printed_into_a_file_is_not_glued_to_the_printers_next() -> None:
    """``print("cleaned up")`` is two writes (the text, then ``"\\n"``), and with stdout a
    file ``flowtop run``'s printer (on its own thread) wrote its line between them:
    ``cleaned up20:38:42 spinner #1 started``. It now ends the half row first."""
    from flowtop.commands.printers import HumanPrinter
    from flowtop.engine.events import RunStarted

    real = io.StringIO()
    out = capture._ThreadRoutedStream(real)  # type: ignore[arg-type]
    try:
        printer = HumanPrinter(out, live=False, verbose=True)
        out.write("cleaned up")
        printer([RunStarted("r1", "etl", 1, ("a",), (1,), ("",), None, time.time())])
        out.write("\n")
    finally:
        status_line.forget()
    first, second, *_ = real.getvalue().split("\n")
    assert first == "cleaned up"
    assert "etl #1 started" in second
