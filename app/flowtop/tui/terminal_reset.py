"""The terminal as the monitor found it, when SIGTERM or SIGHUP ends the monitor.

Those two signals end the monitor by their default action (``launch_gate``: once the runs
it is starting have their processes), which skipped Textual's own shutdown: a ``kill``,
``timeout`` or ``systemctl stop`` left the terminal in the alternate screen, its cursor
hidden, mouse reports on and echo off, and the shell's prompt was printed over the last
frame until the user typed ``reset``. ``put_back`` does what Textual's driver does when it
stops (``LinuxDriver.stop_application_mode``), straight to the terminal's file
descriptors, so it works from a signal handler and while the screen's loop is stuck. A
terminal that hung up takes none of it, and nothing is said.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

#: Cancel an escape sequence a frame left half written (CAN), end synchronized output,
#: then Textual's own stop: mouse reports off, bracketed paste off, line wrap on, the
#: Kitty keyboard protocol off, leave the alternate screen, show the cursor, focus
#: reports off.
RESET = (
    "\x18\x1b[?2026l"
    "\x1b[?1000l\x1b[?1003l\x1b[?1015l\x1b[?1006l"
    "\x1b[?2004l\x1b[?7h\x1b[<u\x1b[?1049l\x1b[?25h\x1b[?1004l"
).encode("ascii")


def saved_terminal() -> Callable[[], None]:
    """Note the terminal's modes now, before the monitor changes them; the function
    returned puts them back (and the screen) as the monitor ends."""
    stdin, stderr = sys.__stdin__, sys.__stderr__  # as Textual's driver reads and draws
    modes: Any = None
    if stdin is not None and stdin.isatty():
        import termios

        with contextlib.suppress(OSError, termios.error):
            modes = termios.tcgetattr(stdin.fileno())

    def put_back() -> None:
        if stderr is not None:
            with contextlib.suppress(OSError, ValueError):
                os.write(stderr.fileno(), RESET)
        if modes is not None and stdin is not None:
            import termios

            with contextlib.suppress(OSError, ValueError, termios.error):
                termios.tcsetattr(stdin.fileno(), termios.TCSANOW, modes)

    return put_back


__all__ = ["RESET", "saved_terminal"]
