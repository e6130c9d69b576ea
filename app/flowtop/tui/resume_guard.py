"""The monitor's terminal driver: it comes back from a stop only when it was stopped.

Textual 8.2.8's ``LinuxDriver`` took every SIGCONT for ``fg`` after ctrl+z and started
application mode again: another pair of ``textual-input``/``textual-output`` threads beside
the running ones. A monitor sent SIGCONT it had not asked for (a debugger, ``cpulimit``,
``kill -STOP``/``kill -CONT`` of every flowtop process) gathered a pair per signal, ``q``
stopped only the newest, and the old input threads kept the process alive for good.

``ResumeGuardDriver`` resumes on SIGCONT as Textual does only after a suspend it saw (its
SIGTSTP: ctrl+z). Any other SIGCONT leaves the running threads be; only when the terminal
is no longer as the monitor set it (stopped from outside in a shell's foreground, the
shell took the terminal back: its modes, echo on) does it take the terminal again: its
modes and screen set again, the whole screen drawn, by the same threads.

A ``kill -CONT`` from outside while that shell holds the terminal left the monitor running
in the background: the shell then counted the job as running, and its ``fg`` only gave
the terminal back, with no SIGCONT, so nothing set the monitor's modes again (echo on,
keys unread). Now setting them stops the monitor there, as a read from the background
would (the terminal's SIGTTOU, nothing changed); the shell counts the job stopped again,
and its ``fg`` continues it, the modes set then, in the foreground.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import termios
from typing import Any

from textual.app import App
from textual.drivers.linux_driver import LinuxDriver


class ResumeGuardDriver(LinuxDriver):
    """``LinuxDriver`` whose SIGCONT resumes only what was suspended."""

    def __init__(self, *args: Any, **options: Any) -> None:
        self._suspended = False  # stopped by its own SIGTSTP: the next SIGCONT resumes
        self._running = False  # in application mode (threads started, terminal raw)
        self._modes: list[Any] | None = None  # the terminal's modes as it set them
        super().__init__(*args, **options)  # installs the handlers below, bound

    def _sigtstp_application(self, *_: Any) -> None:
        if self._auto_restart:  # not within ``App.suspend`` (``o``: the editor's stop)
            self._suspended = True
        super()._sigtstp_application()

    def _sigcont_application(self, *_: Any) -> None:
        if self._suspended:
            super()._sigcont_application()
            # continued in the background (``bg``): Textual stops it again; ``fg`` resumes
            self._suspended = not self._running
            return
        if self._running:
            # A handler must not take locks the interrupted code may hold (the writer's
            # queue, Thread.start): the check runs on the app's loop (the driver's own),
            # as asyncio's signal handlers do.
            with contextlib.suppress(RuntimeError):  # the loop closed as the monitor quit
                self._loop.call_soon_threadsafe(self._take_terminal_back)

    def _take_terminal_back(self) -> None:
        """After a SIGCONT it did not expect: nothing, unless the terminal's modes are no
        longer the monitor's (a shell had it meanwhile); then it sets them again, and
        what a shell's prompt or a program run there changes, and draws the whole screen
        again, as after ctrl+z."""
        if not (self._running and self._auto_restart) or self._modes is None:
            return
        try:
            if os.tcgetpgrp(self.fileno) == os.getpgrp():
                if termios.tcgetattr(self.fileno) == self._modes:
                    return  # nothing took the terminal: the threads read and draw as before
            elif not _terminal_stops_us():
                return  # in the background, and setting the modes would change a shell's
            # Its threads still read and draw: only what a shell changes is set again (no
            # stop and start, whose flush of the input lost the first keys after ``fg``).
            # In the background the terminal stops the monitor here (SIGTTOU) and sets
            # nothing; the shell's ``fg`` continues it, and the modes are set then.
            _set_modes(self.fileno, self._modes)
        except (OSError, termios.error):
            return  # an orphaned group in the background (EIO), a terminal hung up
        self.write("\x1b[?1049h")  # the alternate screen (a pager run meanwhile left it)
        self._enable_mouse_support()
        self.write("\x1b[?25l\x1b[?1004h")  # the cursor hidden, focus reports on
        self._enable_bracketed_paste()  # readline turns it off at each prompt
        self._disable_line_wrap()
        self.flush()
        self._app.post_message(self.SignalResume())  # App.app_resume_signal: all drawn

    def start_application_mode(self) -> None:
        writer = self._writer_thread
        # Textual's LinuxDriver.start_application_mode has no annotations
        super().start_application_mode()  # type: ignore[no-untyped-call]
        self._running = self._writer_thread is not writer  # Textual returns early in bg
        try:
            self._modes = termios.tcgetattr(self.fileno)
        except termios.error:
            self._modes = None

    def stop_application_mode(self) -> None:
        self._running = False
        super().stop_application_mode()


def _terminal_stops_us() -> bool:
    """Whether the terminal stops this process for setting its modes from the background
    (SIGTTOU left to its default, not blocked), rather than letting it change them."""
    if signal.getsignal(signal.SIGTTOU) is not signal.SIG_DFL:
        return False
    return signal.SIGTTOU not in signal.pthread_sigmask(signal.SIG_BLOCK, ())


def _set_modes(fd: int, modes: list[Any]) -> None:
    """``tcsetattr``, again when a SIGCONT ended its stop early (EINTR): in the background
    the terminal stops the process group until it is brought to the foreground."""
    while True:
        try:
            termios.tcsetattr(fd, termios.TCSANOW, modes)
        except termios.error as error:
            if not error.args or error.args[0] != errno.EINTR:
                raise
        else:
            return


def guard_resume(app: App[Any]) -> None:
    """Have ``app`` run on ``ResumeGuardDriver`` where it would run on Textual's
    ``LinuxDriver`` (not one named in ``TEXTUAL_DRIVER``)."""
    if app.driver_class is LinuxDriver:
        app.driver_class = ResumeGuardDriver


__all__ = ["ResumeGuardDriver", "guard_resume"]
