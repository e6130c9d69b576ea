"""A terminal without flowtop's symbols gets ASCII look-alikes for those that have one.

Every symbol was ``?``, and the headless lines read as questions on an ASCII terminal
(``TERM=vt100 LC_ALL=C`` over ssh): ``etl #8: 0/4 done ? 2 retrying ? next retry in
0.5s``, ``etl/load ? completed (attempt 1/4) ? 'loaded 40 rows'``.
"""

from __future__ import annotations

import io
from pathlib import Path

from cli_kit import flowtop
from flowtop.printable import LOOKALIKES, as_written

FLOW = """
from flowtop import Flow, task


@task
def load() -> str:
    return "loaded"


with Flow("etl") as etl:
    load()
"""


def test_the_symbols_with_a_look_alike_keep_their_width_and_others_are_question_marks() -> None:
    terminal = io.BytesIO()
    stream = io.TextIOWrapper(terminal, encoding="ascii", errors=LOOKALIKES)
    line = "etl #3: 0/2 done · 1 retrying · ✓ ✗ ▶ ⟳ … 0.5s×2 │ データ → x"
    written = "etl #3: 0/2 done - 1 retrying - + x > ~ . 0.5s*2 | ??? -> x"
    stream.write(line)
    stream.flush()
    assert terminal.getvalue().decode("ascii") == written
    assert as_written(line, stream) == written  # what a column is measured on


def test_flowtop_run_on_an_ascii_terminal_prints_look_alikes(tmp_path: Path) -> None:
    (tmp_path / "etl.py").write_text(FLOW, encoding="utf-8")
    done = flowtop("run", str(tmp_path), env={"NO_COLOR": "1", "PYTHONIOENCODING": "ascii"})
    assert done.returncode == 0, done.stderr
    assert "etl/load > running (attempt 1/1, +3 on Retry)" in done.stdout, done.stdout
    assert "etl/load + completed (attempt 1/1, +3 on Retry) -> 'loaded'" in done.stdout
