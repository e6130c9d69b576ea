"""``flowtop run``'s live status line is redrawn every second, not every other one.

The command woke every ``TICK`` (1 s) from a wait begun just before the line was drawn,
found the line 0.99 s old, and skipped the redraw: the clock read ``0.0s``, ``2.0s``,
``3.0s``. It now waits until the line is due (``HumanPrinter.until_tick``), and a tick a
hair early redraws.
"""

from __future__ import annotations

import io
import os
import re
import sys
import textwrap
import time
from pathlib import Path

import pytest

from flowtop.commands.printers import TICK, HumanPrinter
from flowtop.engine.events import RunStarted
from pty_kit import on_terminal, read_until

#: A run of one task that sleeps through a few ticks.
NAPS = """
    import time

    from flowtop import Flow, task

    @task
    def nap():
        time.sleep(3.6)

    with Flow("naps") as flow:
        nap()
"""


def drawn(out: io.StringIO) -> int:
    """How many times the status line (``… · 1.0s``) was drawn on ``out``."""
    return len(re.findall(r"naps #1: [^\n]*?\d+\.\ds", out.getvalue()))


def test_a_tick_a_hair_short_of_a_second_redraws() -> None:
    out = io.StringIO()
    printer = HumanPrinter(out, live=True)
    printer([RunStarted("r1", "naps", 1, ("nap",), (1,), ("",), None, time.time())])
    assert drawn(out) == 1
    printer._last_status = time.monotonic() - (TICK - 0.005)  # a wake-up 5 ms early
    printer.tick()
    assert drawn(out) == 2
    printer.tick()  # just drawn: not again
    assert drawn(out) == 2
    assert TICK - 0.05 < printer.until_tick() <= TICK  # due a second after its drawing


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="no pty here")
def test_flowtop_run_s_clock_moves_every_second(tmp_path: Path) -> None:
    (tmp_path / "naps.py").write_text(textwrap.dedent(NAPS))
    command = [sys.executable, "-m", "flowtop", "run", "naps.py", "--no-history"]
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    with on_terminal(command, cwd=tmp_path, env=env) as (proc, leader):
        said = read_until(leader)
        proc.wait(timeout=10)
    text = said.decode("utf-8", "replace")
    clocks = [float(s) for s in re.findall(r"naps #1: [^\r\n]*?(\d+\.\d)s", text)]
    seconds = {int(clock) for clock in clocks}
    assert {1, 2, 3} <= seconds, clocks  # each second of the task's nap shown
