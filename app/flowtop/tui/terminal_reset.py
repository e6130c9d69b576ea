"""The terminal as the monitor found it, when SIGTERM or SIGHUP ends the monitor.

Those two signals end the monitor by their default action (``launch_gate``: once the runs
it is starting have their processes), which skipped Textual's own shutdown: a ``kill``,
``timeout`` or ``systemctl stop`` left the terminal in the alternate screen, its cursor
hidden, mouse reports on and echo off, and the shell's prompt was printed over the last
frame until the user typed ``reset``. ``put_back`` does what Textual's driver does when it
stops (``LinuxDriver.stop_application_mode``), straight to the terminal's file
descriptors, so it works from a signal handler and while the screen's loop is stuck. A
terminal that hung up takes none of it, and nothing is said.

Then it closes what ``q`` closes (``closing``: the run store's connections): ended by the
signal's default, the monitor left ``history.db-wal`` and ``-shm`` beside a store no
process had open, which SQLite deletes at the last close (docs/store.md: a read by the
TUI leaves neither), ``CLOSE_WAIT`` at most: a kill must end the monitor whatever is stuck.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TextIO

#: Cancel an escape sequence a frame left half written (CAN), end synchronized output,
#: then Textual's own stop: mouse reports off, bracketed paste off, line wrap on, the
#: Kitty keyboard protocol off, leave the alternate screen, show the cursor, focus
#: reports off.
RESET = (
    "\x18\x1b[?2026l"
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"
    "\x1b[?2004l\x1b[?7h\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l"
).encode("ascii")


#: The longest the reset waits for the terminal to take it (seconds).
WRITE_WAIT = 0.5
#: The longest the monitor's ``closing`` may take after it (seconds).
CLOSE_WAIT = 2.0


def saved_terminal(closing: Callable[[], None] | None = None) -> Callable[[], None]:
    """Note the terminal's modes now, before the monitor changes them; the function
    returned puts them back (and the screen) as the monitor ends, then calls ``closing``
    (in the background too, where the terminal is left alone)."""
    stdin, stderr = sys.__stdin__, sys.__stderr__  # as Textual's driver reads and draws
    modes: Any = None
    if stdin is not None and stdin.isatty():
        import termios

        with contextlib.suppress(OSError, termios.error):
            modes = termios.tcgetattr(stdin.fileno())

    # The reset is written by a thread started now: a terminal that stopped reading (a
    # stalled ssh link) must not hold the end, and a signal handler must not start one
    # (``Thread.start`` takes a lock the main thread may hold as the signal lands).
    asked = threading.Event()
    reset: list[TextIO] = []  # the stream to write the reset to: none in the background
    writer = threading.Thread(
        target=_write_when, args=(asked, reset, closing), name="flowtop-terminal-reset", daemon=True
    )
    writer.start()

    def put_back() -> None:
        # suspended (Ctrl+Z): Textual put the terminal back; a write would stop it
        if stdin is not None and stderr is not None and _in_the_foreground(stdin.fileno()):
            if modes is not None:
                import termios

                with contextlib.suppress(OSError, ValueError, termios.error):
                    termios.tcsetattr(stdin.fileno(), termios.TCSANOW, modes)
            reset.append(stderr)
        elif closing is None:
            return
        asked.set()
        writer.join(WRITE_WAIT + (CLOSE_WAIT if closing is not None else 0.0))

    return put_back


def _write_when(
    asked: threading.Event, reset: list[TextIO], closing: Callable[[], None] | None
) -> None:
    asked.wait()
    for stream in reset:
        with contextlib.suppress(OSError, ValueError):
            os.write(stream.fileno(), RESET)
    if closing is not None:
        with contextlib.suppress(Exception):  # the process ends next, whatever it met
            closing()


def _in_the_foreground(fd: int) -> bool:
    """Whether this process's group is its terminal's foreground one: a background one
    (the monitor stopped with Ctrl+Z, then ``kill %1``) is stopped by the terminal for
    writing to it or setting its modes, where the kill was to end it. A terminal that is
    not this process's controlling one (``setsid``) stops nothing: True."""
    try:
        return os.tcgetpgrp(fd) == os.getpgrp()
    except OSError:
        return True


__all__ = ["CLOSE_WAIT", "RESET", "saved_terminal"]
