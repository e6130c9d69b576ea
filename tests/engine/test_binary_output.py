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

import pytest

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


def _run_script(tmp_path: Path, source: str) -> subprocess.CompletedProcess[bytes]:
    (tmp_path / "script.py").write_text(textwrap.dedent(source))
    return subprocess.run(
        [sys.executable, "script.py"], cwd=tmp_path, capture_output=True, timeout=60
    )


def test_the_binary_stream_still_is_the_real_one_to_whoever_asks_more_than_write(
    tmp_path: Path,
) -> None:
    """A character split between two writes stays whole (a chunked copy cut it in two
    U+FFFD); ``fileno`` is the real one (``subprocess.run(stdout=sys.stdout.buffer)``
    failed the task); it is one object, and a library that keeps it from an import
    inside a task writes raw bytes once the task is over (it decoded them for good)."""
    done = _run_script(
        tmp_path,
        """
        import subprocess, sys
        from flowtop import Flow, task

        kept = []

        @task
        def chunks():
            data = "café\\n".encode()
            for i in range(len(data)):
                sys.stdout.buffer.write(data[i:i + 1])
            kept.append(sys.stdout.buffer)
            subprocess.run([sys.executable, "-c", "print('child')"], stdout=sys.stdout.buffer)
            try:
                sys.stdout.buffer.write(5)
            except TypeError:
                print("refused")
            return sys.stdout.buffer is sys.stdout.buffer

        with Flow("f") as flow:
            chunks()
        result = flow.run(workers=1)
        print(result["chunks"].type, result["chunks"].result)
        print(repr(result.attempts["chunks"][-1].output))
        sys.stdout.flush()
        kept[0].write(b"\\x89PNG\\xff\\n")
        kept[0].flush()
        """,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    lines.remove(b"child")  # through the real descriptor, as plain Python writes it
    echoed = [b"caf\xc3\xa9", b"refused"]  # a script's run shows its tasks' output
    ran = [b"StateType.COMPLETED True", b"'caf\xc3\xa9\\nrefused\\n'", b"\x89PNG\xff"]
    assert lines == echoed + ran


def test_a_run_whose_start_fails_leaves_no_hold_on_the_log_handler() -> None:
    """A run holds flowtop's handler on the root logger from its start to its end; one
    whose start raised (a shut-down executor, a ``@flow`` retry's timer stopped by a
    shutdown) held it for the process's life, and ``basicConfig()`` did nothing."""
    from concurrent.futures import ThreadPoolExecutor

    from flowtop.engine import Runner, capture

    held = capture._held
    executor = ThreadPoolExecutor(1)
    executor.shutdown()
    runner = Runner(1, executor=executor)

    with Flow("f") as flow:
        task(lambda: 1, name="one")()
    try:
        with pytest.raises(RuntimeError):
            runner.start(flow)
        assert capture._held == held
    finally:
        runner.shutdown()
