"""Bytes a task writes to ``sys.stdout.buffer`` are its output, as its prints are.

They went to the real stream: missing from the attempt's output (the monitor, the
history, ``--json``), and on ``flowtop run``'s terminal unescaped, so a task's escape
sequences acted on the user's terminal, ahead of the lines around them.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from flowtop import Flow, task


def test_bytes_written_to_the_binary_stream_are_the_attempt_s_output() -> None:
    @task
    def emit() -> int:
        print("text line")
        sys.stdout.buffer.write(b"raw \x1b[31mred\xff\n")
        sys.stdout.buffer.flush()
        return 1

    with Flow("raw") as flow:
        emit()
    result = flow.run(workers=1)
    assert result.is_completed()
    assert result.attempts["emit"][-1].output == "text line\nraw \x1b[31mred\ufffd\n"


def test_flowtop_run_shows_them_escaped_in_turn(tmp_path: Path) -> None:
    (tmp_path / "raw.py").write_text(
        textwrap.dedent(
            """
        import sys
        from flowtop import Flow, task

        @task
        def emit():
            sys.stdout.buffer.write(b"\\x1b]0;title\\x07bytes\\n")

        with Flow("raw") as flow:
            emit()
        """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "flowtop", "run", "raw.py", "--no-history"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "\x1b" not in done.stdout, done.stdout
    assert "bytes" in done.stdout.split("completed", 1)[1], done.stdout
