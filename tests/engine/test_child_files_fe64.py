"""A launched run's child files at an attempt's end, on a ``Popen`` called wrongly, and
past ``MAX_READ`` of characters longer than a byte (a review of ``child_files``)."""

from __future__ import annotations

import os
import subprocess
import types
from collections.abc import Callable
from pathlib import Path

import pytest

from flowtop.engine import child_files, live_output
from flowtop.engine.attempt_output import DROPPED_NOTE, AttemptOutput
from flowtop.engine.capture_windows import MAX_READ

from .kit import child_files_open


def _running_attempt() -> tuple[AttemptOutput, types.SimpleNamespace, object]:
    """An attempt's output as it runs, followed once it prints, of a run no sink hears
    (no look is started): the output, its run, its task record."""
    run = types.SimpleNamespace(
        live_output={}, run_id="r1", _bus=types.SimpleNamespace(has_sinks=False)
    )
    task_record = object()
    buffer = AttemptOutput()
    buffer.attempt, buffer.live = object(), (run, task_record)
    return buffer, run, task_record


def test_a_child_started_as_its_attempt_returns_does_not_follow_its_output_again(
    launched: Callable[[Callable[[], AttemptOutput | None]], None],
) -> None:
    # ``attempt.py``: ``live_output.ended`` comes before ``capture.end``; a thread of the
    # attempt starting a child in between followed its output again until its run ended
    buffer, run, task_record = _running_attempt()
    launched(lambda: buffer if buffer.attempt is not None else None)
    buffer.write("hi\n")
    assert run.live_output == {task_record: buffer}
    live_output.ended(buffer)
    child = subprocess.Popen.__new__(subprocess.Popen)
    child_files._popen_init_here(child, ["true"])
    assert child.wait(timeout=30) == 0
    assert run.live_output == {}
    buffer.attempt = None  # then ``capture.end``
    assert buffer.getvalue() == "hi\n"
    assert run.live_output == {}


def test_a_first_print_read_as_its_attempt_returns_does_not_follow_its_output() -> None:
    # a thread of the attempt read its ``live`` for its first print, then the attempt
    # returned (``ended``) before that print was followed
    buffer, run, _ = _running_attempt()
    live = buffer.live
    assert live is not None
    live_output.ended(buffer)
    live_output.printed(buffer, *live)
    assert run.live_output == {}


def test_popen_called_wrongly_leaves_no_child_file_open(
    launched: Callable[[Callable[[], AttemptOutput | None]], None], tmp_path: Path
) -> None:
    buffer = AttemptOutput()
    launched(lambda: buffer)
    for _ in range(5):
        child = subprocess.Popen.__new__(subprocess.Popen)
        with pytest.raises(TypeError, match="bogus"):
            child_files._popen_init_here(child, ["true"], bogus=1)
    assert child_files_open(tmp_path) == 0
    buffer.getvalue()
    assert child_files_open(tmp_path) == 0


class _Heard(AttemptOutput):
    """An attempt's output that keeps whether it was given a U+FFFD (its tail, later
    trimmed, may no longer hold it; a live look may have sent it)."""

    __slots__ = ("replaced",)

    def __init__(self) -> None:
        super().__init__()
        self.replaced = False

    def write(self, text: str) -> None:
        self.replaced = self.replaced or "\ufffd" in text
        super().write(text)


def test_a_child_s_characters_past_what_is_read_are_counted_as_characters(
    launched: Callable[[Callable[[], AttemptOutput | None]], None],
) -> None:
    buffer = _Heard()
    launched(lambda: buffer)
    fd = child_files._child_fd(buffer)
    assert fd is not None
    line = "█" * 12 + "\n"  # 37 bytes, 13 characters: the cut lands in a "█"
    lines = 8 * MAX_READ // len(line.encode())
    assert (lines * len(line.encode()) - MAX_READ) % len(line.encode()) == 4
    try:
        buffer.write("py before\n")
        with os.fdopen(os.dup(fd), "w", encoding="utf-8") as child:
            child.writelines([line] * lines)
    finally:
        os.close(fd)
    buffer.write("py after\n")
    output = buffer.getvalue()
    assert not buffer.replaced  # the character cut is dropped whole, not half decoded
    note = DROPPED_NOTE.search(output)
    assert note is not None
    head, tail = output[: note.start()], output[note.end() + 1 :]
    assert tail.endswith(line + "py after\n")
    written = len("py before\n") + len(line) * lines + len("py after\n")
    assert len(head) + int(note[1].replace(",", "")) + len(tail) == written
