"""A ``@flow`` body's ``\\r`` progress bar, redrawn after each task call, under ``flowtop
run`` with its running and completed lines: every drawing of the bar shows.

A drawing (``print(f"\\rbar {i}", end="")``) came while the bar's row was still open, the
printer's lines of the task called since not out yet: it was written over the last
drawing at once, and those lines went below it. Only every other drawing stayed on the
screen (``bar 1``, then ``bar 4``), or only the last. A text that starts with ``\\r`` draws
its row anew: the printer's lines go out first, as at a line's start (``body_output``).
"""

from __future__ import annotations

from pathlib import Path

from cli_kit import flowtop
from commands.test_status_line_clear import on_screen

STEPS = 5

BAR = f"""\
from flowtop import flow, task


@task
def step(i):
    return i


@flow(name="bar")
def bar():
    for i in range({STEPS}):
        print(f"\\rbar {{i}}", end="")
        step(i)
    print()
"""


def test_every_drawing_of_a_body_s_bar_shows_between_its_task_lines(tmp_path: Path) -> None:
    (tmp_path / "bar.py").write_text(BAR)
    ran = flowtop("run", "bar.py", "--no-history", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    rows = on_screen(ran.stdout.replace("\n", "\r\n"))  # as a terminal moves to a new row
    bars = [i for i, row in enumerate(rows) if row.startswith("bar ")]
    assert [rows[i] for i in bars] == [f"bar {i}" for i in range(STEPS)], rows
    done = [i for i, row in enumerate(rows) if "✓ completed" in row]
    assert len(done) == STEPS, rows
    # each drawing after the lines of the task called before it, and before its own task's
    assert all(bars[i] < done[i] for i in range(STEPS)), rows
    assert all(done[i - 1] < bars[i] for i in range(1, STEPS)), rows
