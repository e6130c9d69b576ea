"""A line printed past the printer is not cut by the printer's next line (``row_turn``).

``flowtop run`` stopped by SIGTERM: the task's ``except`` handler printed ``cleaned up: …``
to the terminal as the printer wrote the run's ``cancelled`` lines, and the output read
``cleaned up: task interrupted: the run was cancelled13:25:08 spinner/spin ■ cancelled``
(a loop of ``test_sigterm_interrupts_task`` met it once in 180 tries; CI once failed it).
A ``print`` is two writes, the text then its newline; the printer writes below a row left
half-written (``status_line.row_open``), but it looked at the flag, then the text went
out, then its line. The race is made to happen here, not waited for.
"""

from __future__ import annotations

import io
import sys
import threading
from pathlib import Path

import pytest

from flowtop.commands.printers import HumanPrinter
from flowtop.engine import capture, status_line
from flowtop.engine.events import RunStarted
from waits import wait_until


def _in_call(thread: threading.Thread, name: str) -> bool:
    """Whether ``thread`` is inside a call of the function ``name`` now (waiting there)."""
    frame = sys._current_frames().get(thread.ident or -1)
    while frame is not None:
        if frame.f_code.co_name == name:
            return True
        frame = frame.f_back
    return False


class _Terminal(io.StringIO):
    """What ``flowtop run > out`` writes to; ``meanwhile`` runs at the printer's write."""

    def __init__(self) -> None:
        super().__init__()
        self.printer_thread = threading.current_thread()
        self.meanwhile: list[threading.Thread] = []
        self.printed = threading.Event()

    def write(self, text: str, /) -> int:
        if threading.current_thread() is self.printer_thread and not self.meanwhile:
            self.meanwhile.append(_cleanup_print(self))
        return super().write(text)


def _cleanup_print(terminal: _Terminal) -> threading.Thread:
    """The task's ``except`` handler prints on its own thread, past any capture, as the
    printer is about to write: its text out, or waiting for the printer's turn; its
    newline once the printer is done (``print``'s two writes)."""
    stand_in = capture._ThreadRoutedStream(terminal)
    text_out = threading.Event()

    def cleanup() -> None:
        stand_in.write("cleaned up: task interrupted")
        text_out.set()
        terminal.printed.wait()
        stand_in.write("\n")

    thread = threading.Thread(target=cleanup, daemon=True)
    thread.start()
    wait_until(
        lambda: text_out.is_set() or _in_call(thread, "row_turn"),
        "the print's text out, or waiting for the printer's write",
    )
    return thread


def test_a_print_past_the_printer_is_not_cut_by_its_line(tmp_path: Path) -> None:
    terminal = _Terminal()
    printer = HumanPrinter(capture._ThreadRoutedStream(terminal), live=False)
    try:
        printer([RunStarted("r1", "spinner", 1, ("spin",), (1,), ("",), None, 1.0)])
        terminal.printed.set()
        terminal.meanwhile[0].join()
    finally:
        status_line.forget()
    assert "cleaned up: task interrupted\n" in terminal.getvalue(), terminal.getvalue()
    assert "spinner #1 started" in terminal.getvalue()


@pytest.fixture(autouse=True)
def _no_status_line() -> None:
    status_line.forget()
