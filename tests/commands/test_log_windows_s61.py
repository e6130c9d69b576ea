"""The printer's lines in a launched run's log are flowtop's own, whenever a child's
window on the log opens or ends (``capture_windows``).

A ``@flow`` body's child opens a window on the log, and the body's end takes what the log
gained since, less flowtop's own writes. The printer's ``✗ failed`` line, written on the
bus's thread as the body ended, was taken into the run's output (a CI run met it, and a
loop of the test met it once in a hundred): the window's end read the notes of flowtop's
writes, then the log's end, and the line was noted and written between the two. Its
mirror: a window that opened between the printer's look (no window open: nothing noted)
and its write. Each race is made to happen here, not waited for.
"""

from __future__ import annotations

import io
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from flowtop.commands.printers import Output
from flowtop.engine import capture_windows
from waits import wait_until

LINE = "12:58:28 nightly/build ✗ failed (attempt 1/1): CalledProcessError\n"


def _in_call(thread: threading.Thread, name: str) -> bool:
    """Whether ``thread`` is inside a call of the function ``name`` now (waiting there)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == name:
            return True
        frame = frame.f_back
    return False


def _on_thread(call: Callable[[], object]) -> threading.Thread:
    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    return thread


class _Log:
    """A launched run's log for ``capture_windows``: written through ``Output`` as the
    printer writes fd 1 (a raw file: ``PYTHONUNBUFFERED``), read back by its windows."""

    def __init__(self, path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        path.touch()
        monkeypatch.setattr(capture_windows, "log_fd", os.open(path, os.O_RDONLY))
        monkeypatch.setattr(capture_windows, "watching", False)
        monkeypatch.setattr(capture_windows, "_open", {})
        monkeypatch.setattr(capture_windows, "_own", [])
        monkeypatch.setattr(capture_windows, "_taken", [])
        self.raw = _HookedFile(path)
        self.stream = io.TextIOWrapper(self.raw, encoding="utf-8", write_through=True)
        self.output = Output(self.stream)

    def close(self) -> None:
        self.stream.close()
        assert capture_windows.log_fd is not None
        os.close(capture_windows.log_fd)


class _HookedFile(io.FileIO):
    """The log's descriptor: ``before_write`` runs as the bytes are about to go in."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, "w")
        self.before_write: Callable[[], object] | None = None

    def write(self, data: Any, /) -> int:
        hook, self.before_write = self.before_write, None
        if hook is not None:
            hook()
        return super().write(data) or 0


def test_a_printer_line_written_as_a_window_ends_is_not_the_bodys(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The printer writes its line while the body's window ends, between its reading of
    flowtop's notes and of the log's end: the line is not the body's output."""
    log = _Log(tmp_path / "run.log", monkeypatch)
    body = object()
    capture_windows.open_for(body, body=True)
    real_fstat = os.fstat
    writer: list[threading.Thread] = []

    def fstat_meanwhile(fd: int) -> os.stat_result:  # the window's end looks at the log
        if not writer:
            thread = _on_thread(lambda: log.output.write(LINE))
            writer.append(thread)
            wait_until(
                lambda: not thread.is_alive() or _in_call(thread, "flowtops"),
                "the printer's line written, or waiting for the window's end",
            )
        return real_fstat(fd)

    proxy = SimpleNamespace(**{n: getattr(os, n) for n in dir(os) if not n.startswith("__")})
    proxy.fstat = fstat_meanwhile
    monkeypatch.setattr(capture_windows, "os", proxy)
    try:
        taken = capture_windows.take(body)
        writer[0].join()
    finally:
        log.close()
    assert taken == ""
    assert (tmp_path / "run.log").read_text() == LINE


def test_a_printer_line_written_as_a_window_opens_is_not_the_childs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A child's window opens after the printer looked whether one was open (none) and
    before its line reached the log: the line is not the child's output."""
    log = _Log(tmp_path / "run.log", monkeypatch)
    attempt = object()
    opener: list[threading.Thread] = []

    def open_meanwhile() -> None:  # a task's child starts on another thread
        thread = _on_thread(lambda: capture_windows.open_for(attempt))
        opener.append(thread)
        wait_until(
            lambda: not thread.is_alive() or _in_call(thread, "open_for"),
            "the window open, or waiting for the printer's write",
        )

    log.raw.before_write = open_meanwhile
    try:
        assert log.output.write(LINE)
        opener[0].join()
        taken = capture_windows.take(attempt)
    finally:
        log.close()
    assert opener, "the line went out without a write to the log"
    assert taken == ""
