"""A subflow call's "runs again" note beside a row the ``@flow`` body left half-written
(``print("calling b... ", end="")`` before the call): the row stays as it was, the note
goes on a row of its own below it, and what the body writes next (``done``) starts a row.

On a terminal the note erased the row (``calling b... `` never appeared) and the body's
``done`` landed on the live status line drawn meanwhile (``· 0.0sdone``); piped, the note
was glued onto the row (``calling b... flowtop run: sub runs again: …``): the body's own
writes never said they left their row open, only writes past any capture did.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli_kit import PLAIN, flowtop
from commands.test_status_line_clear import on_screen
from flowtop.engine import capture, status_line
from pty_kit import on_terminal, read_until

pytestmark = pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty here")

OBJECT_SUBFLOW = """\
from pathlib import Path

from flowtop import flow, task

HERE = Path(__file__).parent


class Conn:
    def __init__(self, name):
        self.name = name


@task
def load(conn, region):
    if region == "b" and not (HERE / "fixed").exists():
        raise ValueError("b broken")
    return region


@flow(name="sub")
def sub(conn, region):
    return load(conn, region)


@flow(name="parent")
def parent():
    order = ["b", "a"] if (HERE / "swap").exists() else ["a", "b"]
    for region in order:
        print(f"calling {region}... ", end="")
        try:
            sub(Conn("db"), region)
        except ValueError:
            pass
        print("done")
"""

AGAIN = "runs again: it is given an object (conn)"
NOTE = f"flowtop run: sub {AGAIN}"
COMMAND = [sys.executable, "-m", "flowtop", "run", "o.py", "--flow", "parent", "--rerun-of", "1"]


def swapped_folder(tmp_path: Path) -> Path:
    """A folder whose ``parent`` ran once (a, then b failing), now calling b first: each
    subflow call, given an object, runs again and says so."""
    (tmp_path / "o.py").write_text(OBJECT_SUBFLOW)
    first = flowtop("run", "o.py", "--flow", "parent", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    (tmp_path / "swap").touch()
    return tmp_path


@pytest.fixture
def swapped(tmp_path: Path) -> Path:
    return swapped_folder(tmp_path)


def _below_the_half_row(rows: list[str]) -> None:
    for region in ("b", "a"):
        half = f"calling {region}..."
        assert half in rows, rows  # the row kept, and nothing glued on it
        below = rows[rows.index(half) + 1]  # the note (sub-2's for the second call)
        assert below.startswith("flowtop run: sub") and AGAIN in below, rows
    assert rows.count("done") == 2, rows  # each on a row of its own, none on a status line


def test_piped_the_note_goes_below_the_body_s_half_row(swapped: Path) -> None:
    done = subprocess.run(
        COMMAND,
        cwd=swapped,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **PLAIN},
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout
    rows = [row.rstrip() for row in done.stdout.splitlines()]
    assert NOTE in done.stdout, rows
    _below_the_half_row(rows)


def _on_a_terminal(folder: Path) -> str:
    """What ``flowtop run`` writes to a pseudo-terminal, stdout and stderr, until it ends."""
    env = {**os.environ, **PLAIN, "TERM": "xterm", "COLUMNS": "400"}
    with on_terminal(COMMAND, cwd=folder, env=env) as (proc, leader):
        said = read_until(leader)
        assert proc.wait(timeout=60) == 0, said
    return said.decode("utf-8", "replace")


def test_on_a_terminal_the_half_row_stays_and_done_is_not_on_the_status_line(
    swapped: Path,
) -> None:
    rows = on_screen(_on_a_terminal(swapped))
    assert any(row.startswith(NOTE) for row in rows), rows
    _below_the_half_row(rows)


@contextlib.contextmanager
def body_output(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """A ``@flow`` body's capture on this thread, teed to a file (no status line): what
    reaches the file. (Not a fixture: pytest puts its own ``sys.stdout`` back after one.)"""
    monkeypatch.setattr(status_line, "terminal", None)
    monkeypatch.setattr(status_line, "row_open", False)
    out = io.StringIO()
    stand_in = capture._ThreadRoutedStream(out)  # type: ignore[arg-type]
    monkeypatch.setattr(sys, "stdout", stand_in)
    monkeypatch.setattr(sys, "stderr", stand_in)
    capture.begin(tee=lambda: None)
    try:
        yield out
    finally:
        capture.end()


def _printer_line(out: io.StringIO, line: str) -> None:
    """A line of the printer's, as it writes one beside another writer's row."""
    with status_line.row_turn():
        out.write(("\n" if status_line.row_open else "") + line)
        status_line.row_open = False


def test_the_newline_ending_a_row_ended_already_makes_no_empty_row(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with body_output(monkeypatch) as out:
        sys.stdout.write("step one")  # ``print("step one")``: two writes,
        _printer_line(out, "12:00:00 load #2 started\n")  # the printer's line between
        sys.stdout.write("\n")
        sys.stdout.write("step two\n")
    assert out.getvalue() == "step one\n12:00:00 load #2 started\nstep two\n"
