"""What a launched run's ``child_files`` does at its edges: an attempt ending as a thread
of its own starts a child, a child writing far more than an attempt keeps, and a process
with no ``fcntl`` (Windows), where importing it broke every command.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from flowtop.engine import child_files
from flowtop.engine.attempt_output import DROPPED_NOTE, AttemptOutput
from flowtop.engine.capture_windows import MAX_READ

from .kit import child_files_open

APP = Path(__file__).resolve().parents[2] / "app"


def test_an_attempt_ending_as_its_thread_starts_a_child_leaves_no_file_open(
    launched: Callable[[Callable[[], AttemptOutput | None]], None], tmp_path: Path
) -> None:
    # the attempt's end reads its output whole just after its thread found it, before
    # the child's file is made: that file was never read nor closed
    buffer = AttemptOutput()
    buffer.attempt = object()
    read: list[str] = []

    def buffer_here() -> AttemptOutput | None:
        found = buffer if buffer.attempt is not None else None
        if buffer.attempt is not None:  # the attempt ends right here, on the plain class
            buffer.attempt = None
            read.append(buffer.getvalue())
        return found

    launched(buffer_here)
    child = subprocess.Popen.__new__(subprocess.Popen)
    child_files._popen_init_here(child, ["true"])
    assert child.wait(timeout=30) == 0
    assert read == [""]
    assert buffer not in child_files._files
    assert child_files_open(tmp_path) == 0


class _Counted(AttemptOutput):
    """An attempt's output that counts the characters it is given."""

    __slots__ = ("given",)

    def __init__(self) -> None:
        super().__init__()
        self.given = 0

    def write(self, text: str) -> None:
        self.given += len(text)
        super().write(text)


def test_a_child_writing_far_past_what_is_kept_is_read_only_in_part(
    launched: Callable[[Callable[[], AttemptOutput | None]], None],
) -> None:
    buffer = _Counted()
    launched(lambda: buffer)
    fd = child_files._child_fd(buffer)
    assert fd is not None
    lines = [f"line {n:07}\n" for n in range(8 * MAX_READ // 13)]  # 13 characters each
    try:
        buffer.write("py before\n")
        with os.fdopen(os.dup(fd), "w") as child:
            child.writelines(lines)
    finally:
        os.close(fd)
    buffer.write("py after\n")
    assert buffer.given <= 2 * MAX_READ  # not all 8 MB decoded to keep 256 KB
    output = buffer.getvalue()
    note = DROPPED_NOTE.search(output)
    assert note is not None
    head, tail = output[: note.start()], output[note.end() + 1 :]
    assert head.startswith("py before\nline 0000000\n")
    assert tail.endswith(lines[-1] + "py after\n")
    assert head.count("\n") + tail.count("\n") < len(lines) / 10
    written = len("py before\n") + len("".join(lines)) + len("py after\n")
    assert len(head) + int(note[1].replace(",", "")) + len(tail) == written


def test_the_engine_imports_where_fcntl_does_not() -> None:
    # as on Windows: the flowtop commands install ``capture_children``, which imported it
    script = """
        import sys
        sys.modules["fcntl"] = None  # import fcntl raises ImportError
        from flowtop.engine import capture, child_files
        capture.capture_info_logs()
        print("imported")
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(APP)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "imported\n"
